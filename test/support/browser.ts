// Headless Chromium for tests and scripts that drive the Temporal Web UI (Debian's chromium package, which
// `scripts/stack.sh install` installs), with the flags this kind of machine needs: no sandbox (root, no user
// namespaces), no GPU, and /tmp instead of a small /dev/shm.
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';

export function chromiumPath(): string {
  const found = (process.env.PATH ?? '').split(':').map((dir) => path.join(dir, 'chromium')).find((file) => fs.existsSync(file));
  if (!found) throw new Error('chromium is not installed: scripts/stack.sh install installs Debian\'s chromium package');
  return found;
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Closes the browser and makes sure its process is gone. */
export async function closeChromium(browser: Browser | undefined): Promise<void> {
  const pid = browser?.process()?.pid;
  await browser?.close().catch(() => undefined);
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** The page's visible text (evaluated in the page: this code is compiled without the DOM's types). */
export const visibleText = (page: Page): Promise<string> => page.evaluate('document.body.innerText') as Promise<string>;
