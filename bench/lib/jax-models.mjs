/**
 * @file The workloads' models in jax-js, written as a JAX user would: NCHW convolutions with
 * `lax.conv` (JAX's default layout, Grove's too), max pooling with `lax.reduceWindow`, the
 * embedding as `np.take`, attention as `nn.dotProductAttention` computes it (batched matmuls, a
 * `where` with a `np.tri` mask, `nn.softmax`; the function itself cannot run on Node 20),
 * `nn.gelu` (the tanh form, its default), a loss over `nn.logSoftmax`; the caller `jit`s the
 * whole step. Each model is
 * Grove's definition op for op (std/layers.grove), LayerNorm written as std writes it (mean, then
 * the mean of the centred squares; `nn.standardize` would take E[x²] - E[x]²). jax-js arrays are
 * reference counted: every use but the last of an array takes `.ref`.
 */

/** y = x @ w + b. */
const dense = (np, p, n, x) => np.matmul(x, p[`${n}.w`]).add(p[`${n}.b`]);

/** std LayerNorm over the last axis. */
function layerNorm(np, p, n, x) {
  const xc = x.ref.sub(x.mean(-1, { keepdims: true }));
  const variance = np.square(xc.ref).mean(-1, { keepdims: true });
  const inverse = np.reciprocal(np.sqrt(variance.add(1e-5)));
  return xc.mul(inverse).mul(p[`${n}.gamma`]).add(p[`${n}.beta`]);
}

/** Mean over every leading axis of the softmax cross entropy with one-hot targets `y`. */
const crossEntropy = (np, nn, logits, y) =>
  np.mean(np.sum(nn.logSoftmax(logits, -1).mul(y), -1)).neg();

export const jaxModels = {
  mlp: {
    inputs: (np, nn, w, { x, y }) => ({
      xs: np.array(x).reshape([w.batch, w.dims[0]]),
      ys: nn.oneHot(np.array(y, { dtype: np.int32 }), w.dims.at(-1)),
    }),
    loss({ numpy: np, nn }, w) {
      const layers = w.dims.length - 1;
      return (p, x, y) => {
        let h = x;
        for (let l = 1; l <= layers; l++) {
          h = dense(np, p, `l${l}`, h);
          if (l < layers) h = nn.relu(h);
        }
        return crossEntropy(np, nn, h, y);
      };
    },
  },
  cnn: {
    inputs: (np, nn, w, { x, y }) => ({
      xs: np.array(x).reshape([w.batch, 1, 28, 28]),
      ys: nn.oneHot(np.array(y, { dtype: np.int32 }), 10),
    }),
    loss({ numpy: np, nn, lax }, w) {
      const padding = [
        [1, 1],
        [1, 1],
      ];
      const conv = (p, n, x, channels) =>
        nn.relu(
          lax.conv(x, p[`${n}.w`], [1, 1], padding).add(p[`${n}.b`].reshape([1, channels, 1, 1])),
        );
      const pool = (x) => lax.reduceWindow(x, (win) => np.max(win), [2, 2], [2, 2]);
      return (p, x, y) => {
        const h = pool(conv(p, "conv2", pool(conv(p, "conv1", x, 16)), 32));
        return crossEntropy(np, nn, dense(np, p, "fc", h.reshape([w.batch, 32 * 7 * 7])), y);
      };
    },
  },
  transformer: {
    inputs: (np, nn, w, { x, y }) => ({
      xs: np.array(x, { dtype: np.int32 }).reshape([w.batch, w.context]),
      ys: nn.oneHot(np.array(y, { dtype: np.int32 }).reshape([w.batch, w.context]), w.vocab),
    }),
    loss({ numpy: np, nn }, w) {
      const { batch: b, context: t, dim, heads } = w;
      const hd = dim / heads;
      // [B, T, dim] -> [B, heads, T, head width]
      const split = (x) => x.reshape([b, t, heads, hd]).transpose([0, 2, 1, 3]);
      return (p, tokens, y) => {
        // nn.dotProductAttention, written out: its einsum needs Node 22 (iterator helpers).
        const attention = (n, x) => {
          const [q, k, v] = ["q", "k", "v"].map((m, i) =>
            split(dense(np, p, `${n}.${m}`, i < 2 ? x.ref : x)),
          );
          const scores = np.matmul(q, k.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(hd));
          const allowed = np.tri(t, t, 0, { dtype: np.bool });
          const weights = nn.softmax(np.where(allowed, scores, -1e9), -1);
          const out = np.matmul(weights, v).transpose([0, 2, 1, 3]).reshape([b, t, dim]);
          return dense(np, p, `${n}.proj`, out);
        };
        const block = (n, x) => {
          const h = x.ref.add(attention(`${n}.attn`, layerNorm(np, p, `${n}.ln1`, x)));
          const up = nn.gelu(dense(np, p, `${n}.ffn.up`, layerNorm(np, p, `${n}.ln2`, h.ref)));
          return h.add(dense(np, p, `${n}.ffn.down`, up));
        };
        let h = np.take(p["embed.table"], tokens, 0).add(p.pos);
        h = block("block2", block("block1", h));
        return crossEntropy(np, nn, dense(np, p, "head", layerNorm(np, p, "ln_f", h)), y);
      };
    },
  },
};
