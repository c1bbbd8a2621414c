// One request handler for both transports: check the method and its arguments, call the host,
// and turn errors into the wire format.
import { API_METHODS, ApiError, type ApiMethod, type CreditlabApi, type RpcResponse } from '@creditlab/api';
import { API_ARGS } from '@creditlab/api/args';
import { formatPath, MAX_SPEC_DEPTH, SpecValidationError, toSpecErrors, tooDeep } from '@creditlab/spec';

export async function dispatch(api: CreditlabApi, id: number, method: unknown, args: unknown): Promise<RpcResponse> {
  if (typeof method !== 'string' || !(API_METHODS as readonly string[]).includes(method)) {
    return { id, ok: false, error: { message: `unknown API method ${JSON.stringify(method)}` } };
  }
  // Before anything recurses into them (the schemas, the error paths, the copy to a scoring process):
  // a spec or an episode's info is never nested this deep.
  const deep = tooDeep(args, MAX_SPEC_DEPTH + 1);
  if (deep) {
    const path = formatPath(['args', ...deep]);
    return { id, ok: false, error: { message: `${method}: invalid arguments: ${path}: nested deeper than ${MAX_SPEC_DEPTH} levels`, errors: [{ path, message: `nested deeper than ${MAX_SPEC_DEPTH} levels` }] } };
  }
  const parsed = API_ARGS[method as ApiMethod].safeParse(Array.isArray(args) ? args : []);
  if (!parsed.success) {
    const errors = toSpecErrors(parsed.error, args, ['args']);
    return { id, ok: false, error: { message: `${method}: invalid arguments: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors } };
  }
  try {
    const fn = api[method as ApiMethod] as (...a: unknown[]) => Promise<unknown>;
    const result = await fn.apply(api, parsed.data);
    return { id, ok: true, result: result ?? null };
  } catch (e) {
    if (e instanceof ApiError) return { id, ok: false, error: { message: e.message, errors: e.errors } };
    if (e instanceof SpecValidationError) return { id, ok: false, error: { message: 'invalid spec', errors: e.errors } };
    return { id, ok: false, error: { message: (e as Error).message ?? String(e) } };
  }
}
