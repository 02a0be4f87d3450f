/**
 * @file A generator of large, realistic Grove programs for benchmarking the front end: helper
 * fns, custom blocks built on std layers, MLP / CNN / transformer models and train sections,
 * repeated with fresh names until the file reaches the wanted number of lines.
 */

/** One unit of about 60 lines; `i` makes its names unique. */
function unit(i: number): string {
  const w = 32 + 16 * (i % 4);
  return `// ---------------------------------------------------------------- unit ${i}

// scaled_tanh_${i}(x) = a tanh(b x), LeCun's squashing function with a per-unit slope
fn scaled_tanh_${i}(x, a = 1.7159, b = 0.6667) = a * tanh(b * x)

// A smooth gate: x * sigmoid(k x) with a clipped input
fn gate_${i}(x, k = 1.5) {
  c = minimum(maximum(x, -6), 6)
  c * sigmoid(k * c)
}

fn rms_${i}(x) = sqrt(mean(x^2, -1, keepdims: true) + 1e-6)

// A residual MLP block with a norm, for any leading dimensions
block Residual${i}(dim, hidden = 2 * dim) {
  norm = LayerNorm(dim)
  up = Dense(dim, hidden, gate_${i})
  down = Dense(hidden, dim)
  param scale: [dim] ~ constant(0.1)
  forward(x: [..., dim]) -> [..., dim] = x + scale * (x |> norm |> up |> down)
}

block Head${i}(dim, classes) {
  param w: [dim, classes] ~ glorot_normal
  param b: [classes] ~ zeros
  forward(x: [N, dim]) -> [N, classes] = x / rms_${i}(x) @ w + b
}

model Mlp${i} {
  input image: [N, 784]
  stem = Dense(784, ${w}, scaled_tanh_${i})
  r1 = Residual${i}(${w})
  r2 = Residual${i}(${w}, hidden: ${2 * w})
  head = Head${i}(${w}, 10)
  output logits = image |> stem |> r1 |> r2 |> head
  output probs = softmax(logits)
}

train Mlp${i} {
  data      = mnist(split: "train", validate: 0.1)
  loss      = cross_entropy(logits, label) + 1e-4 * mean(probs^2)
  optimizer = adamw(lr: 1e-3, weight_decay: 0.01)
  schedule  = cosine(warmup: ${10 * (i % 7)})
  batch     = 64
  epochs    = 2
  metrics   = [accuracy(logits, label)]
  seed      = ${i}
}

model Cnn${i} {
  input image: [N, 1, 28, 28]
  conv1 = Conv2d(1, 8, 3, padding: 1, act: relu)
  pool1 = MaxPool2d(2)
  conv2 = Conv2d(8, 16, 3, padding: 1, act: relu)
  pool2 = AvgPool2d(2)
  fc = Dense(16 * 7 * 7, 10)
  output logits = image |> conv1 |> pool1 |> conv2 |> pool2 |> flatten |> fc
}

train Cnn${i} {
  data      = mnist(validate: 0.1)
  loss      = cross_entropy(logits, label)
  optimizer = sgd(lr: 0.05, momentum: 0.9)
  metrics   = [accuracy(logits, label)]
}
${i % 5 === 0 ? transformer(i) : ""}`;
}

function transformer(i: number): string {
  return `
model Lm${i} {
  input tokens: i32[N, 32]
  embed = Embedding(256, 64)
  param pos: [32, 64] ~ normal(std: 0.02)
  b1 = TransformerBlock(64, 4)
  ln = LayerNorm(64)
  head = Dense(64, 256)
  output logits = embed(tokens) + pos |> b1 |> ln |> head
}

train Lm${i} {
  data      = text("corpus.txt", context: 32)
  loss      = cross_entropy(logits, targets)
  optimizer = adam(lr: 3e-4)
  clip_grad_norm = 1.0
}
`;
}

/** A program of at least `lines` lines. */
export function generateProgram(lines: number): string {
  const parts = ["// A generated Grove program for benchmarking `grove check`.\n"];
  let count = 1;
  for (let i = 0; count < lines; i++) {
    const u = unit(i);
    parts.push(u);
    count += u.split("\n").length - 1;
  }
  return parts.join("\n");
}
