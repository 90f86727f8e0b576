import { defineConfig } from 'vitest/config';

// Unit tests may not start processes or touch the network (see test/setup-unit.ts);
// integration tests run the real tools (podman, dpkg-buildpackage, apt, rpmbuild, gpg…).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.integration.test.ts'],
          setupFiles: ['test/setup-unit.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.integration.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
