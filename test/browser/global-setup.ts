/**
 * Runs in Node before the browser project: a real mock authorization server
 * on a free port, so the Chromium tests talk to it over real HTTP (CORS
 * included). Its URL reaches the tests through inject('rotorAuthUrl').
 */
import type { TestProject } from 'vitest/node';
import { createMockServer } from '../../src/mock-server/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    rotorAuthUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = createMockServer({ autoLogin: 'user-1' });
  const listening = await server.listen(0, '127.0.0.1');
  project.provide('rotorAuthUrl', listening.url.replace(/\/$/, ''));
  return () => listening.close();
}
