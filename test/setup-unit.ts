import childProcess from 'node:child_process';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';

/**
 * Unit tests may not start processes or reach beyond loopback by accident: tests that need real
 * tools are `*.integration.test.ts` and run in the integration project.
 */
const refuse = (name: string) => () => {
  throw new Error(`unit tests may not call child_process.${name}; write an *.integration.test.ts`);
};
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  (childProcess as unknown as Record<string, unknown>)[name] = refuse(name);
}
syncBuiltinESMExports();

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const [first] = args;
  const options = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as {
    host?: string;
    path?: string;
  };
  const host = options.host ?? 'localhost';
  if (!options.path && !/^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/.test(host)) {
    throw new Error(`unit tests may not connect to ${host}; only loopback is allowed`);
  }
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
