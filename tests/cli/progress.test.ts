/**
 * The progress line: layout at different widths, durations with hours, zero steps, the done
 * state, and the ProgressBar's throttling, smoothed rate and silence off a TTY, driven by an
 * injected clock.
 */
import { describe, expect, it } from "vitest";
import {
  formatDuration,
  ProgressBar,
  renderProgress,
  type ProgressState,
} from "../../src/cli/progress.js";

const state: ProgressState = {
  epoch: 3,
  epochs: 10,
  step: 512,
  stepsPerEpoch: 1200,
  loss: 0.23449,
  elapsed: 2.4,
  rate: 210.3,
};

describe("metrics on the progress line", () => {
  it("follow the loss, and give way before the loss when the line is narrow", () => {
    const withAcc = { ...state, metrics: { accuracy: 0.91234 } };
    const wide = renderProgress(withAcc, 200);
    expect(wide).toMatch(/loss 0\.2345  accuracy 0\.9123  ETA /);
    const narrow = renderProgress(withAcc, 40);
    expect(narrow.length).toBeLessThanOrEqual(39);
    expect(renderProgress(withAcc, 66)).toContain("loss 0.2345");
    expect(renderProgress(withAcc, 66)).not.toContain("steps/s");
  });
});

describe("formatDuration", () => {
  it("gives m:ss below an hour and h:mm:ss from an hour on", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(3.4)).toBe("0:03");
    expect(formatDuration(59.6)).toBe("1:00");
    expect(formatDuration(754)).toBe("12:34");
    expect(formatDuration(3599)).toBe("59:59");
    expect(formatDuration(3600)).toBe("1:00:00");
    expect(formatDuration(3 * 3600 + 7 * 60 + 5)).toBe("3:07:05");
    expect(formatDuration(100 * 3600)).toBe("100:00:00");
    expect(formatDuration(Infinity)).toBe("--:--");
    expect(formatDuration(NaN)).toBe("--:--");
  });
});

describe("renderProgress", () => {
  it("shows epoch, bar, steps, loss, rate and the epoch's ETA", () => {
    // 688 steps left at 210.3 steps/s is 3.27 s.
    const line = renderProgress(state, 120);
    expect(line).toBe(
      `epoch 3/10 [${"#".repeat(12)}${".".repeat(18)}] 512/1200 steps  loss 0.2345  ETA 0:03  210.3 steps/s`,
    );
  });

  it("fits every width: shrinks the bar, then drops the bar, rate, ETA and loss", () => {
    for (let width = 1; width <= 140; width++) {
      const line = renderProgress(state, width);
      expect(line.length).toBeLessThanOrEqual(Math.max(width - 1, 0));
    }
    const bar = (w: number) => /\[([#.]*)\]/.exec(renderProgress(state, w))?.[1]?.length;
    expect(bar(200)).toBe(30);
    expect(bar(80)).toBe(
      80 - 1 - "epoch 3/10 [] 512/1200 steps  loss 0.2345  ETA 0:03  210.3 steps/s".length,
    );
    expect(bar(60)).toBeUndefined();
    expect(renderProgress(state, 60)).toBe("epoch 3/10  512/1200 steps  loss 0.2345  ETA 0:03");
    expect(renderProgress(state, 45)).toBe("epoch 3/10  512/1200 steps  loss 0.2345");
    expect(renderProgress(state, 30)).toBe("epoch 3/10  512/1200 steps");
    expect(renderProgress(state, 12)).toBe("epoch 3/10 ");
  });

  it("handles zero steps, an unknown rate, slow rates, tiny and NaN losses", () => {
    const start = renderProgress({ ...state, step: 0, rate: undefined, loss: undefined }, 100);
    expect(start).toMatch(/^epoch 3\/10 \[\.+\] 0\/1200 steps  ETA --:--$/);
    const empty = renderProgress({ ...state, step: 0, stepsPerEpoch: 0 }, 100);
    expect(empty).toMatch(
      /^epoch 3\/10 \[#+\] 0\/0 steps  loss 0\.2345  ETA 0:00  210\.3 steps\/s$/,
    );
    expect(renderProgress({ ...state, rate: 0.25 }, 200)).toContain("ETA 45:52  4.0 s/step");
    expect(renderProgress({ ...state, rate: 0.05 }, 200)).toContain("ETA 3:49:20");
    expect(renderProgress({ ...state, loss: 3.2e-5 }, 200)).toContain("loss 3.20e-5");
    expect(renderProgress({ ...state, loss: NaN }, 200)).toContain("loss NaN");
  });

  it("shows a full bar and the epoch's time when done", () => {
    const line = renderProgress({ ...state, step: 1100, elapsed: 65.2, done: true }, 100);
    expect(line).toMatch(
      /^epoch 3\/10 \[#+\] 1200\/1200 steps  loss 0\.2345  in 1:05  210\.3 steps\/s$/,
    );
  });
});

class FakeTty {
  text = "";
  writes = 0;
  constructor(
    readonly isTTY: boolean,
    readonly columns = 100,
  ) {}
  write(t: string) {
    this.text += t;
    this.writes++;
    return true;
  }
  /** What a terminal shows: each `\r` returns to the line's start and overwrites. */
  get screen(): string {
    let line: string[] = [];
    let col = 0;
    for (const ch of this.text) {
      if (ch === "\r") col = 0;
      else line[col++] = ch;
    }
    return line.join("").trimEnd();
  }
}

describe("ProgressBar", () => {
  const at = (epoch: number, step: number, loss = 1): Parameters<ProgressBar["update"]>[0] => ({
    epoch,
    epochs: 2,
    step,
    stepsPerEpoch: 100,
    loss,
  });

  it("redraws at most once per interval, the first update of an epoch and forced ones always", () => {
    let t = 0;
    const out = new FakeTty(true);
    const bar = new ProgressBar(out, { now: () => t, interval: 100 });
    for (let step = 1; step <= 100; step++) {
      t += 10; // 100 steps/s, so 10 updates per 100 ms
      bar.update(at(1, step));
    }
    // The first update, then one per 100 ms over the following 990 ms.
    expect(out.writes).toBe(10);
    bar.update(at(1, 100), true);
    expect(out.writes).toBe(11);
    expect(out.screen).toMatch(
      /^epoch 1\/2 \[#+\] 100\/100 steps  loss 1\.0000  ETA 0:00  100\.0 steps\/s$/,
    );
    bar.update(at(2, 1));
    expect(out.writes).toBe(12);
    expect(out.screen).toMatch(/^epoch 2\/2 \[\.+\] 1\/100 steps/);
  });

  it("smooths the rate and measures each epoch's elapsed time", () => {
    let t = 0;
    const out = new FakeTty(true, 200);
    const bar = new ProgressBar(out, { now: () => t, interval: 0, tau: 2 });
    bar.update(at(1, 0));
    expect(bar.rate).toBeUndefined();
    for (let step = 1; step <= 50; step++) {
      t += 100; // 10 steps/s for 5 s
      bar.update(at(1, step));
    }
    expect(bar.rate).toBeCloseTo(10, 6);
    for (let step = 51; step <= 60; step++) {
      t += 10; // a burst at 100 steps/s for 0.1 s moves the average only a little
      bar.update(at(1, step));
    }
    expect(bar.rate!).toBeGreaterThan(10);
    expect(bar.rate!).toBeLessThan(20);
    expect(out.screen).toContain(`ETA 0:0${Math.round(40 / bar.rate!)}`);
    t += 1000;
    bar.update({ ...at(2, 0), done: false });
    t += 5000;
    bar.update({ ...at(2, 100), done: true });
    expect(out.screen).toContain("in 0:05");
  });

  it("clears its line, and after done ignores updates", () => {
    let t = 0;
    const out = new FakeTty(true);
    const bar = new ProgressBar(out, { now: () => t });
    bar.update(at(1, 5));
    expect(out.screen).not.toBe("");
    bar.clear();
    expect(out.screen).toBe("");
    expect(out.text.endsWith("\r")).toBe(true);
    t += 1;
    bar.update(at(1, 6)); // drawn at once after a clear
    expect(out.screen).toContain("6/100 steps");
    bar.done();
    const writes = out.writes;
    t += 1000;
    bar.update(at(1, 7), true);
    expect(out.writes).toBe(writes);
    expect(out.screen).toBe("");
  });

  it("overwrites a longer old line completely", () => {
    let t = 0;
    const out = new FakeTty(true, 200);
    const bar = new ProgressBar(out, { now: () => t, interval: 0 });
    bar.update({ ...at(1, 0), loss: 123456.5 });
    t += 100;
    bar.update({ ...at(1, 1), loss: undefined });
    expect(out.screen).not.toContain("loss");
  });

  it("writes nothing to a stream that is not a TTY, but still measures the rate", () => {
    let t = 0;
    const out = new FakeTty(false);
    const bar = new ProgressBar(out, { now: () => t });
    for (let step = 0; step <= 20; step++) {
      bar.update(at(1, step), true);
      t += 50;
    }
    bar.clear();
    bar.done();
    expect(out.writes).toBe(0);
    expect(bar.rate).toBeCloseTo(20, 6);
  });
});
