/**
 * @file The terminal side of a training run in Node, shared by `grove train` and an exported
 * `train.mjs`: Ctrl-C stops after the current step (the second one at once), and the command that
 * resumes an interrupted run, quoted for a POSIX shell.
 */

/** `s` as one word of a POSIX shell: as it is when that is safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** A command line from its words. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellWord).join(" ");
}

/**
 * Runs `run` with a signal that the first SIGINT aborts (after `warn` says so: the run then stops
 * after its current step and saves); a second SIGINT exits at once with 130. The handler is
 * removed when `run` settles.
 */
export async function stopOnInterrupt<T>(
  name: string,
  warn: (text: string) => void,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) {
      warn(`${name}: interrupted again; exiting without saving\n`);
      process.exit(130);
    }
    warn("\nstopping after this step to save a checkpoint (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
