// What crosses the IPC channel between the bench's process (sandbox, local hooks) and a function's
// own process (bench/first-call-child.mjs). The channel uses Node's `advanced` serialization (the
// structured clone: Buffers, Dates, BigInts, Maps survive); on top of it, the objects the local hooks
// hand a function (the in-memory certificate authority, the Slack recorder) become remote
// references whose methods call back into the bench's process, and key objects travel as DER.
import { KeyObject, createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';

const REF = '__coldStartRef';
const KEY = '__coldStartKey';

const isPlain = (v) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** Method names along an instance's prototype chain (Object's own excluded). */
function methodsOf(value) {
  const names = new Set();
  for (let p = Object.getPrototypeOf(value); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, name).value === 'function')
        names.add(name);
    }
  }
  return [...names];
}

/**
 * `value` as structured-cloneable data. `share(object)` returns an id for a function or class
 * instance that stays on this side (the bench's process); without it such a value is refused.
 */
export function encode(value, share) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  if (value instanceof KeyObject) {
    const der =
      value.type === 'secret'
        ? value.export()
        : value.export({ type: value.type === 'public' ? 'spki' : 'pkcs8', format: 'der' });
    return { [KEY]: value.type, der };
  }
  if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof RegExp) return value;
  if (Array.isArray(value)) return value.map((v) => encode(v, share));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, encode(v, share)]));
  if (value instanceof Set) return new Set([...value].map((v) => encode(v, share)));
  const entries = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, encode(v, share)]));
  if (typeof value !== 'function' && isPlain(value)) return entries(value);
  if (!share) throw new TypeError(`cold-start bench: cannot send a ${value.constructor?.name ?? 'function'}`);
  return typeof value === 'function'
    ? { [REF]: share(value) }
    : { [REF]: share(value), methods: methodsOf(value), data: entries(value) };
}

/** The inverse of `encode`; `call(id, method, args)` calls a shared object back (a Promise). */
export function decode(value, call) {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof RegExp) return value;
  if (Array.isArray(value)) return value.map((v) => decode(v, call));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, decode(v, call)]));
  if (value instanceof Set) return new Set([...value].map((v) => decode(v, call)));
  if (value[KEY] === 'secret') return createSecretKey(value.der);
  if (value[KEY] === 'public') return createPublicKey({ key: value.der, format: 'der', type: 'spki' });
  if (value[KEY] === 'private') return createPrivateKey({ key: value.der, format: 'der', type: 'pkcs8' });
  const id = value[REF];
  if (id !== undefined && !value.methods) return (...args) => call(id, undefined, args);
  const object = Object.fromEntries(
    Object.entries(id === undefined ? value : value.data).map(([k, v]) => [k, decode(v, call)]),
  );
  for (const method of value.methods ?? []) object[method] = (...args) => call(id, method, args);
  return object;
}

/**
 * An error as data: its name, message and own data fields (`$metadata`, `$fault`, codes...), and
 * the Smithy shape ID of its class when it has one (the SDK's modelled service exceptions).
 */
export function encodeError(error, origin) {
  const fields = {};
  for (const [k, v] of Object.entries(error ?? {})) {
    try {
      fields[k] = encode(v);
    } catch {
      // A field that cannot travel (a function, a client) stays behind; name and message carry the error.
    }
  }
  const shapeId = typeof error?.constructor?.shapeId === 'string' ? error.constructor.shapeId : undefined;
  return { name: error?.name ?? 'Error', message: error?.message ?? String(error), fields, shapeId, origin };
}

/**
 * The error again, on this side. A modelled service exception comes back as an instance of a class
 * carrying the same static `shapeId`: that is how the SDK's `instanceof` recognises one of its
 * exceptions made by another copy of the SDK (here, the sandbox's). On AWS the bundled client
 * itself builds the exception from the response, as an instance of its own class. Without the
 * shape ID, `error instanceof ResourceNotFoundException` in a minified bundle would fall back to
 * comparing the class's own name, which minification shortened, and answer false.
 */
export function decodeError(data) {
  const ErrorClass = data.shapeId === undefined ? Error : modelledException(data.shapeId);
  const error = Object.assign(new ErrorClass(data.message), decode(data.fields));
  error.name = data.name;
  if (data.origin !== undefined) Object.defineProperty(error, 'coldStartOrigin', { value: data.origin });
  return error;
}

const modelledException = (shapeId) =>
  class extends Error {
    static shapeId = shapeId;
  };
