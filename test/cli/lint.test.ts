import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const repo = path.join(import.meta.dirname, '../..');

function project(): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'freshet-cli-'));
  cpSync(path.join(repo, 'recipes'), path.join(dir, 'recipes'), { recursive: true });
  cpSync(path.join(repo, 'freshet.config.yaml'), path.join(dir, 'freshet.config.yaml'));
  return { dir, config: path.join(dir, 'freshet.config.yaml') };
}

describe('freshet lint', () => {
  it('passes on the bundled recipes', async () => {
    const { code, stdout } = await runCli(['--config', path.join(repo, 'freshet.config.yaml'), 'lint']);
    expect(stdout).toMatch(/(\d+) of \1 recipes valid/);
    expect(code).toBe(0);
  });

  it('exits 2 naming the file and field, and reports every bad recipe, not just the first', async () => {
    const { dir, config } = project();
    const hello = readFileSync(path.join(dir, 'recipes/hello.yaml'), 'utf8');
    writeFileSync(path.join(dir, 'recipes/bad-flag.yaml'), hello.replace('name: hello', 'name: bad-flag').replace('build:\n', 'build:\n  configure: ["$(id)"]\n'));
    writeFileSync(path.join(dir, 'recipes/bad-key.yaml'), hello.replace('name: hello', 'name: bad-key').replace('build:\n', 'build:\n  colour: red\n'));
    const { code, stdout } = await runCli(['--config', config, 'lint']);
    expect(code).toBe(2);
    expect(stdout).toMatch(/recipes\/bad-flag\.yaml: build\.configure\[0\]: may only contain/);
    expect(stdout).toMatch(/recipes\/bad-key\.yaml: build\.colour: unknown key/);
  });

  it('issue 14: refuses what explain and generate would refuse, naming the file and field', async () => {
    const { dir, config } = project();
    const hello = readFileSync(path.join(dir, 'recipes/hello.yaml'), 'utf8').replace(/  signature:\n.*\n.*\n/, '');
    // A pkg-config module name is no Debian package: explain refused it without naming a file.
    writeFileSync(path.join(dir, 'recipes/bad-dep.yaml'), hello.replace('name: hello', 'name: bad-dep').replace('build:\n', 'depends:\n  build: [pkg-config, libevent_core]\nbuild:\n'));
    // GitHub's tag tarballs have no file extension: generate refused them.
    const github = hello.replace('name: hello', 'name: bad-tags').replace(/upstream:\n[\s\S]*?\nbuild:/, 'upstream:\n  kind: github\n  repo: o/tool\n  use: tags\nbuild:');
    writeFileSync(path.join(dir, 'recipes/bad-tags.yaml'), github);
    writeFileSync(path.join(dir, 'recipes/bad-source.yaml'), github.replace('name: bad-tags', 'name: bad-source').replace('  use: tags\n', ''));
    writeFileSync(path.join(dir, 'recipes/twice.yaml'), hello.replace('name: hello', 'name: twice').replace('packages:\n  - name: hello\n', 'packages:\n  - name: twice\n  - name: twice\n'));
    const { code, stdout } = await runCli(['--config', config, 'lint']);
    expect(code).toBe(2);
    expect(stdout).toMatch(/recipes\/bad-dep\.yaml: depends\.build\[1\]: "libevent_core" is not in the dependency map and not a Debian package name/);
    expect(stdout).not.toMatch(/depends\.build\[0\]/);
    expect(stdout).toMatch(/recipes\/bad-tags\.yaml: upstream\.use: tags: GitHub's tag tarballs \(tarball_url\) have no file extension/);
    expect(stdout).toMatch(/recipes\/bad-source\.yaml: upstream\.asset: missing/);
    expect(stdout).toMatch(/recipes\/twice\.yaml: packages\[1\]\.name: deb package twice is also packages\[0\]/);
    expect(stdout).toMatch(/recipes valid/);
  });

  it('prints JSON for scripts', async () => {
    const { code, stdout } = await runCli(['--config', path.join(repo, 'freshet.config.yaml'), '--json', 'lint', 'hello']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, recipes: [{ file: expect.stringMatching(/hello\.yaml$/), ok: true }] });
  });

  it('exits 2 on a bad config, naming the field', async () => {
    const { dir, config } = project();
    writeFileSync(config, readFileSync(config, 'utf8').replace('release: "12"', 'release: 12'));
    const { code, stderr } = await runCli(['--config', config, 'lint']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/freshet\.config\.yaml: targets\[0\]\.release: expected string, got number/);
    expect(dir).toBeTruthy();
  });

  it('exits 2 on usage errors and 0 on --help', async () => {
    const unknownCommand = await runCli(['no-such-command']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'no-such-command'");
    const unknownOption = await runCli(['lint', '--no-such-flag']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--no-such-flag'");
    const help = await runCli(['lint', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: freshet lint/);
  });
});
