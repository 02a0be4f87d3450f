/**
 * @file Models with state shared by the state tests of the GPU runtime and the ONNX Runtime
 * backend: a CNN with BatchNorm2d and BatchNorm1d, a state that only counts steps next to one no
 * `update` names, and updates that swap, keep and reset states.
 */

export const cnn = `
model M {
  input image: [N, 1, 28, 28]
  conv = Conv2d(1, 4, 3, padding: 1)
  bn2 = BatchNorm2d(4, momentum: 0.3)
  pool = MaxPool2d(4)
  fc1 = Dense(4 * 7 * 7, 16)
  bn1 = BatchNorm1d(16)
  fc2 = Dense(16, 10)
  output logits = image |> conv |> bn2 |> relu |> pool |> flatten |> fc1 |> bn1 |> relu |> fc2
}

train M {
  data      = mnist(split: "train")
  loss      = cross_entropy(logits, label)
  optimizer = sgd(lr: 0.1, momentum: 0.9)
  metrics   = [accuracy(logits, label)]
}`;

export const counter = `
block Gain(dim) {
  param w: [dim] ~ ones
  state fixed: [dim] ~ constant(2)
  state steps: [] ~ zeros
  forward(x: [N, dim]) -> [N, dim] {
    update steps = steps + 1
    x * w * fixed
  }
}

model M {
  input features: [N, 2]
  g = Gain(2)
  out = Dense(2, 3)
  output logits = features |> g |> out
}

train M {
  data      = spirals(n: 60)
  loss      = cross_entropy(logits, label)
  optimizer = adamw(lr: 0.1, weight_decay: 0.5)
}`;

export const edges = `
block Odd(dim) {
  param w: [dim] ~ ones
  state a: [dim] ~ constant(1)
  state b: [dim] ~ constant(2)
  state same: [dim] ~ constant(3)
  state zero: [dim] ~ constant(4)
  forward(x: [N, dim]) -> [N, dim] {
    update a = b
    update b = a
    update same = same
    update zero = broadcast(0, [dim])
    x * w + a - b
  }
}

model M {
  input features: [N, 2]
  o = Odd(2)
  out = Dense(2, 3)
  output logits = features |> o |> out
}

train M {
  data      = spirals(n: 60)
  loss      = cross_entropy(logits, label) + mean(o.same)
  optimizer = sgd(lr: 0.1)
}`;
