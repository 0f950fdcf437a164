/**
 * Poll `condition` every 50 ms until it holds (a condition that throws, e.g. reading a file
 * that is not there yet, counts as not holding); reject after `timeoutMs`.
 */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  const holds = () => {
    try {
      return condition();
    } catch {
      return false;
    }
  };
  while (!holds()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
