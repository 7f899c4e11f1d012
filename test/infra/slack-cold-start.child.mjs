// Child process of slack-cold-start.test.ts: a cold Lambda in miniature. Imports the synthesized
// slack-interaction bundle into a fresh Node.js (nothing else loaded yet), then — untimed — puts
// the sandbox behind it as `cachegate serve` does, then times the first answer to a signed click
// the way the cold-start bench does: in a process of its own that imports the bundle too, whose
// AWS calls this process's sandbox answers (DynamoDB over HTTPS), so the figure is the
// function's own CPU time (bench/first-call-isolated.mjs).
// Prints one JSON line: CPU and wall milliseconds of the import and of the first answer.
// Usage: node slack-cold-start.child.mjs <bundle index.mjs>
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

// Clients a bundle creates while it is imported reach the sandbox once it exists (the hook is
// global, read by the bundle's own copy of functions/aws/clients.ts).
const early = [];
globalThis[Symbol.for('cachegate.awsClientHook')] = {
  defaults: { region: 'us-east-1', credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } },
  attach: (client) => early.push(client),
};

const since = (cpu, wall) => {
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall };
};

let cpu = process.cpuUsage();
let wall = performance.now();
const { handler } = await import(pathToFileURL(process.argv[2]).href);
const imported = since(cpu, wall);

const dist = new URL('../../dist/local/', import.meta.url);
const { createSandbox } = await import(new URL('sandbox/index.js', dist).href);
const { attachSandboxRouting } = await import(new URL('sandbox/sandbox.js', dist).href);
const { createTables } = await import(new URL('sandbox/tables.js', dist).href);
const { configureLocalTriggers } = await import(new URL('serve/local-triggers.js', dist).href);
const { signedSlackClick } = await import(new URL('serve/slack-request.js', dist).href);
const { apiGatewayEvent, lambdaContext } = await import(new URL('serve/api-gateway.js', dist).href);
const sandbox = await createSandbox();
early.forEach(attachSandboxRouting);
await createTables();
const { signingSecret, slack } = await configureLocalTriggers(sandbox, { approvers: ['U0CAROL'] });
const click = signedSlackClick({
  signingSecret,
  approvalId: 'AP-COLDSTART2',
  user: 'U0CAROL',
  decision: 'APPROVED',
});
const event = apiGatewayEvent(click, '/slack/interactions', {});

const { firstCallInChild } = await import(
  new URL('../../bench/first-call-isolated.mjs', import.meta.url).href
);
const first = await firstCallInChild(
  { name: 'slack-interaction', bundle: process.argv[2] },
  event,
  lambdaContext('slack-interaction'),
);
if (first.error) throw first.error;
const response = first.result;
const answered = { cpuMs: first.firstCallCpuMs, wallMs: first.firstCallMs };
// Step Functions and API Gateway see an error by its name, which must survive minification; its
// message must be zod's English one, which zod/mini loads only when told to.
const refused = await handler({ body: 42 }, lambdaContext('slack-interaction')).catch((error) => ({
  name: error.name,
  message: error.message,
}));
await sandbox.close();
console.log(
  JSON.stringify({ imported, answered, response, slackCalls: slack.calls.map((c) => c.method), refused }),
);
