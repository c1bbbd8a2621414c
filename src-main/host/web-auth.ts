// Who may use the web host: whoever presents the token printed when it started (as Jupyter does).
// The token arrives as a cookie (set when the page loads with ?token=…), an `Authorization: token T`
// header, or a `?token=T` query parameter; all three are compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 24 random bytes, hex: what `creditlab serve` uses unless --token or CREDITLAB_TOKEN says otherwise. */
export function newToken(): string {
  return randomBytes(24).toString('hex');
}

/** A chosen token goes into URLs, headers and a cookie unescaped, so it must be plain URL-safe text. */
export function checkToken(token: string): string {
  if (!/^[A-Za-z0-9._~-]{1,256}$/.test(token)) {
    throw new Error('the web host token must be 1-256 characters of letters, digits and . _ ~ - (no spaces)');
  }
  return token;
}

/** Cookie names are not scoped by port: a name per port keeps two hosts on one machine apart. */
export const cookieName = (port: number) => `creditlab-token-${port}`;

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Hashing first gives equal lengths, so the comparison's time says nothing about the token. */
export function sameToken(given: string | undefined | null, token: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(digest(given), digest(token));
}

export function presentedTokens(req: IncomingMessage, url: URL, port: number): { query: string | null; others: (string | undefined)[] } {
  const auth = req.headers.authorization;
  const header = auth && /^token\s+/i.test(auth) ? auth.replace(/^token\s+/i, '').trim() : undefined;
  return { query: url.searchParams.get('token'), others: [readCookie(req, cookieName(port)), header] };
}

export function authorised(req: IncomingMessage, url: URL, port: number, token: string): boolean {
  const { query, others } = presentedTokens(req, url, port);
  // Check every candidate so the time taken does not depend on which one matched.
  let ok = false;
  for (const t of [query, ...others]) if (sameToken(t, token)) ok = true;
  return ok;
}
