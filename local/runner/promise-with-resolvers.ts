// aws-local-stepfunctions calls Promise.withResolvers (Node.js 22+). Node.js 20 lacks it, and local
// development on Node.js 20 still works with a warning (docs/decisions.md, "Node.js 24").
const promiseStatics = Promise as unknown as { withResolvers?: () => unknown };
if (typeof promiseStatics.withResolvers !== 'function') {
  promiseStatics.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
export {};
