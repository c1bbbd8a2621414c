// Saves generated content through an <a download>; in Electron the same click opens a save dialog.

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: the download may still be reading the blob when click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, filename: string, mime: string): void {
  downloadBlob(new Blob([text], { type: mime }), filename);
}

export function dataUrlBytes(dataUrl: string): Uint8Array<ArrayBuffer> {
  const [head, body] = dataUrl.split(',', 2);
  if (!head.includes(';base64')) return new TextEncoder().encode(decodeURIComponent(body));
  const bin = atob(body);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

export function downloadDataUrl(dataUrl: string, filename: string): void {
  const mime = /data:([^;,]+)/.exec(dataUrl.slice(0, 64))?.[1] ?? 'application/octet-stream';
  downloadBlob(new Blob([dataUrlBytes(dataUrl)], { type: mime }), filename);
}
