/**
 * @file The workloads' models in TF.js, written the way a TF.js user gets speed (what tf.layers
 * does inside): NHWC convolutions, TF.js's native layout, with the bias and ReLU fused
 * (`tf.fused.conv2d`), dense layers as `tf.fused.matMul` on 2-D activations, the causal mask as an
 * additive bias (Keras's attention does the same), `tf.losses.softmaxCrossEntropy`. Each model is
 * Grove's definition op for op (std/layers.grove, std/activations.grove): the same LayerNorm
 * (mean, then the mean of the centred squares), the tanh GELU, scaled dot-product attention with
 * 1/sqrt(head width). Weights arrive in Grove's layout; `layout` turns them into TF.js's.
 */

/** Grove's conv weight [out, in, k, k] as TF.js's filter [k, k, in, out]. */
function filterHWIO(values, [o, i, kh, kw]) {
  const out = new Float32Array(values.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          out[((y * kw + x) * i + b) * o + a] = values[((a * i + b) * kh + y) * kw + x];
  return { values: out, shape: [kh, kw, i, o] };
}

/** Rows of a dense weight after flatten, from NCHW order (c, h, w) to NHWC order (h, w, c). */
function rowsNHWC(values, [rows, cols], [c, h, w]) {
  const out = new Float32Array(values.length);
  for (let a = 0; a < c; a++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const from = (a * h + y) * w + x;
        const to = (y * w + x) * c + a;
        out.set(values.subarray(from * cols, (from + 1) * cols), to * cols);
      }
  return { values: out, shape: [rows, cols] };
}

/** Grove's layout kept. */
const same = (_name, values, shape) => ({ values, shape });

/** y = x @ w + b (and the activation), x 2-D. */
const dense = (tf, v, n, x, activation = "linear") =>
  tf.fused.matMul({ a: x, b: v(`${n}.w`), bias: v(`${n}.b`), activation });

/** std LayerNorm over the last axis. */
function layerNorm(tf, v, n, x) {
  const xc = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(
    tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, 1e-5))), v(`${n}.gamma`)),
    v(`${n}.beta`),
  );
}

/** std gelu: 0.5 x (1 + tanh(0.7978845608 (x + 0.044715 x^3))). */
const gelu = (tf, x) =>
  tf.mul(
    tf.mul(x, 0.5),
    tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), 0.7978845608)), 1),
  );

export const tfjsModels = {
  mlp: {
    layout: same,
    inputs: (tf, w, { x, y }) => ({
      xs: tf.tensor2d(x, [w.batch, w.dims[0]]),
      ys: tf.oneHot(tf.tensor1d(y, "int32"), w.dims.at(-1)).toFloat(),
    }),
    logits(tf, v, { xs }, w) {
      const layers = w.dims.length - 1;
      let h = xs;
      for (let l = 1; l <= layers; l++) {
        h = tf.add(tf.matMul(h, v(`l${l}.w`)), v(`l${l}.b`));
        if (l < layers) h = tf.relu(h);
      }
      return h;
    },
  },
  cnn: {
    layout(name, values, shape) {
      if (shape.length === 4) return filterHWIO(values, shape);
      if (name === "fc.w") return rowsNHWC(values, shape, [32, 7, 7]);
      return { values, shape };
    },
    // [N, 1, 28, 28] and [N, 28, 28, 1] are the same bytes: one channel.
    inputs: (tf, w, { x, y }) => ({
      xs: tf.tensor4d(x, [w.batch, 28, 28, 1]),
      ys: tf.oneHot(tf.tensor1d(y, "int32"), 10).toFloat(),
    }),
    logits(tf, v, { xs }, w) {
      const conv = (n, x) =>
        tf.fused.conv2d({
          x,
          filter: v(`${n}.w`),
          strides: 1,
          pad: "same",
          bias: v(`${n}.b`),
          activation: "relu",
        });
      const pool = (x) => tf.maxPool(x, 2, 2, "valid");
      const h = pool(conv("conv2", pool(conv("conv1", xs))));
      return dense(tf, v, "fc", tf.reshape(h, [w.batch, 32 * 7 * 7]));
    },
  },
  transformer: {
    layout: same,
    inputs: (tf, w, { x, y }) => ({
      xs: tf.tensor2d(x, [w.batch, w.context], "int32"),
      ys: tf.oneHot(tf.tensor1d(y, "int32"), w.vocab).toFloat(),
      // 0 where key j is not after query i, -1e9 after: added to the scores.
      mask: tf.tidy(() =>
        tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([w.context, w.context]), -1, 0)), -1e9),
      ),
    }),
    logits(tf, v, { xs, mask }, w) {
      const { batch: b, context: t, dim, heads } = w;
      const hd = dim / heads;
      const split = (x) => tf.transpose(tf.reshape(x, [b, t, heads, hd]), [0, 2, 1, 3]);
      const attention = (n, x) => {
        const [q, k, val] = ["q", "k", "v"].map((p) => split(dense(tf, v, `${n}.${p}`, x)));
        const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), mask);
        const y = tf.matMul(tf.softmax(scores, -1), val);
        return dense(tf, v, `${n}.proj`, tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b * t, dim]));
      };
      const block = (n, x) => {
        const h = tf.add(x, attention(`${n}.attn`, layerNorm(tf, v, `${n}.ln1`, x)));
        const up = gelu(tf, dense(tf, v, `${n}.ffn.up`, layerNorm(tf, v, `${n}.ln2`, h)));
        return tf.add(h, dense(tf, v, `${n}.ffn.down`, up));
      };
      const embedded = tf.add(tf.gather(v("embed.table"), xs), v("pos"));
      let h = tf.reshape(embedded, [b * t, dim]);
      h = block("block2", block("block1", h));
      return dense(tf, v, "head", layerNorm(tf, v, "ln_f", h));
    },
  },
};
