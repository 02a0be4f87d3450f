// k0_matmul: 1 fused op, output f32[128,256]
//   %5 matmul[128,256]  examples/mnist-mlp.grove:14:41
// 8x8 output tile per invocation: 512 invocations (1 x 16 x 32) in workgroups of 64, k = 784

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_params: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 512) { return; }
  let i0 = ((t / 32) % 16) * 8;
  let j0 = (t % 32) * 8;
  let m0 = min(i0 + 0, 127);
  let m1 = min(i0 + 1, 127);
  let m2 = min(i0 + 2, 127);
  let m3 = min(i0 + 3, 127);
  let m4 = min(i0 + 4, 127);
  let m5 = min(i0 + 5, 127);
  let m6 = min(i0 + 6, 127);
  let m7 = min(i0 + 7, 127);
  let n8 = min(j0 + 0, 255);
  let n9 = min(j0 + 1, 255);
  let n10 = min(j0 + 2, 255);
  let n11 = min(j0 + 3, 255);
  let n12 = min(j0 + 4, 255);
  let n13 = min(j0 + 5, 255);
  let n14 = min(j0 + 6, 255);
  let n15 = min(j0 + 7, 255);
  var acc_0_0 = 0.0;
  var acc_0_1 = 0.0;
  var acc_0_2 = 0.0;
  var acc_0_3 = 0.0;
  var acc_0_4 = 0.0;
  var acc_0_5 = 0.0;
  var acc_0_6 = 0.0;
  var acc_0_7 = 0.0;
  var acc_1_0 = 0.0;
  var acc_1_1 = 0.0;
  var acc_1_2 = 0.0;
  var acc_1_3 = 0.0;
  var acc_1_4 = 0.0;
  var acc_1_5 = 0.0;
  var acc_1_6 = 0.0;
  var acc_1_7 = 0.0;
  var acc_2_0 = 0.0;
  var acc_2_1 = 0.0;
  var acc_2_2 = 0.0;
  var acc_2_3 = 0.0;
  var acc_2_4 = 0.0;
  var acc_2_5 = 0.0;
  var acc_2_6 = 0.0;
  var acc_2_7 = 0.0;
  var acc_3_0 = 0.0;
  var acc_3_1 = 0.0;
  var acc_3_2 = 0.0;
  var acc_3_3 = 0.0;
  var acc_3_4 = 0.0;
  var acc_3_5 = 0.0;
  var acc_3_6 = 0.0;
  var acc_3_7 = 0.0;
  var acc_4_0 = 0.0;
  var acc_4_1 = 0.0;
  var acc_4_2 = 0.0;
  var acc_4_3 = 0.0;
  var acc_4_4 = 0.0;
  var acc_4_5 = 0.0;
  var acc_4_6 = 0.0;
  var acc_4_7 = 0.0;
  var acc_5_0 = 0.0;
  var acc_5_1 = 0.0;
  var acc_5_2 = 0.0;
  var acc_5_3 = 0.0;
  var acc_5_4 = 0.0;
  var acc_5_5 = 0.0;
  var acc_5_6 = 0.0;
  var acc_5_7 = 0.0;
  var acc_6_0 = 0.0;
  var acc_6_1 = 0.0;
  var acc_6_2 = 0.0;
  var acc_6_3 = 0.0;
  var acc_6_4 = 0.0;
  var acc_6_5 = 0.0;
  var acc_6_6 = 0.0;
  var acc_6_7 = 0.0;
  var acc_7_0 = 0.0;
  var acc_7_1 = 0.0;
  var acc_7_2 = 0.0;
  var acc_7_3 = 0.0;
  var acc_7_4 = 0.0;
  var acc_7_5 = 0.0;
  var acc_7_6 = 0.0;
  var acc_7_7 = 0.0;
  for (var k = 0; k < 784; k++) {
    let v16 = a_inputs[m0 * 784 + k];
    let v17 = a_inputs[m1 * 784 + k];
    let v18 = a_inputs[m2 * 784 + k];
    let v19 = a_inputs[m3 * 784 + k];
    let v20 = a_inputs[m4 * 784 + k];
    let v21 = a_inputs[m5 * 784 + k];
    let v22 = a_inputs[m6 * 784 + k];
    let v23 = a_inputs[m7 * 784 + k];
    let v24 = a_params[k * 256 + n8];
    let v25 = a_params[k * 256 + n9];
    let v26 = a_params[k * 256 + n10];
    let v27 = a_params[k * 256 + n11];
    let v28 = a_params[k * 256 + n12];
    let v29 = a_params[k * 256 + n13];
    let v30 = a_params[k * 256 + n14];
    let v31 = a_params[k * 256 + n15];
    acc_0_0 = fma(v16, v24, acc_0_0);
    acc_0_1 = fma(v16, v25, acc_0_1);
    acc_0_2 = fma(v16, v26, acc_0_2);
    acc_0_3 = fma(v16, v27, acc_0_3);
    acc_0_4 = fma(v16, v28, acc_0_4);
    acc_0_5 = fma(v16, v29, acc_0_5);
    acc_0_6 = fma(v16, v30, acc_0_6);
    acc_0_7 = fma(v16, v31, acc_0_7);
    acc_1_0 = fma(v17, v24, acc_1_0);
    acc_1_1 = fma(v17, v25, acc_1_1);
    acc_1_2 = fma(v17, v26, acc_1_2);
    acc_1_3 = fma(v17, v27, acc_1_3);
    acc_1_4 = fma(v17, v28, acc_1_4);
    acc_1_5 = fma(v17, v29, acc_1_5);
    acc_1_6 = fma(v17, v30, acc_1_6);
    acc_1_7 = fma(v17, v31, acc_1_7);
    acc_2_0 = fma(v18, v24, acc_2_0);
    acc_2_1 = fma(v18, v25, acc_2_1);
    acc_2_2 = fma(v18, v26, acc_2_2);
    acc_2_3 = fma(v18, v27, acc_2_3);
    acc_2_4 = fma(v18, v28, acc_2_4);
    acc_2_5 = fma(v18, v29, acc_2_5);
    acc_2_6 = fma(v18, v30, acc_2_6);
    acc_2_7 = fma(v18, v31, acc_2_7);
    acc_3_0 = fma(v19, v24, acc_3_0);
    acc_3_1 = fma(v19, v25, acc_3_1);
    acc_3_2 = fma(v19, v26, acc_3_2);
    acc_3_3 = fma(v19, v27, acc_3_3);
    acc_3_4 = fma(v19, v28, acc_3_4);
    acc_3_5 = fma(v19, v29, acc_3_5);
    acc_3_6 = fma(v19, v30, acc_3_6);
    acc_3_7 = fma(v19, v31, acc_3_7);
    acc_4_0 = fma(v20, v24, acc_4_0);
    acc_4_1 = fma(v20, v25, acc_4_1);
    acc_4_2 = fma(v20, v26, acc_4_2);
    acc_4_3 = fma(v20, v27, acc_4_3);
    acc_4_4 = fma(v20, v28, acc_4_4);
    acc_4_5 = fma(v20, v29, acc_4_5);
    acc_4_6 = fma(v20, v30, acc_4_6);
    acc_4_7 = fma(v20, v31, acc_4_7);
    acc_5_0 = fma(v21, v24, acc_5_0);
    acc_5_1 = fma(v21, v25, acc_5_1);
    acc_5_2 = fma(v21, v26, acc_5_2);
    acc_5_3 = fma(v21, v27, acc_5_3);
    acc_5_4 = fma(v21, v28, acc_5_4);
    acc_5_5 = fma(v21, v29, acc_5_5);
    acc_5_6 = fma(v21, v30, acc_5_6);
    acc_5_7 = fma(v21, v31, acc_5_7);
    acc_6_0 = fma(v22, v24, acc_6_0);
    acc_6_1 = fma(v22, v25, acc_6_1);
    acc_6_2 = fma(v22, v26, acc_6_2);
    acc_6_3 = fma(v22, v27, acc_6_3);
    acc_6_4 = fma(v22, v28, acc_6_4);
    acc_6_5 = fma(v22, v29, acc_6_5);
    acc_6_6 = fma(v22, v30, acc_6_6);
    acc_6_7 = fma(v22, v31, acc_6_7);
    acc_7_0 = fma(v23, v24, acc_7_0);
    acc_7_1 = fma(v23, v25, acc_7_1);
    acc_7_2 = fma(v23, v26, acc_7_2);
    acc_7_3 = fma(v23, v27, acc_7_3);
    acc_7_4 = fma(v23, v28, acc_7_4);
    acc_7_5 = fma(v23, v29, acc_7_5);
    acc_7_6 = fma(v23, v30, acc_7_6);
    acc_7_7 = fma(v23, v31, acc_7_7);
  }
  if (i0 + 0 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 0)] = acc_0_0;
  }
  if (i0 + 0 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 1)] = acc_0_1;
  }
  if (i0 + 0 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 2)] = acc_0_2;
  }
  if (i0 + 0 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 3)] = acc_0_3;
  }
  if (i0 + 0 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 4)] = acc_0_4;
  }
  if (i0 + 0 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 5)] = acc_0_5;
  }
  if (i0 + 0 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 6)] = acc_0_6;
  }
  if (i0 + 0 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 7)] = acc_0_7;
  }
  if (i0 + 1 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 0)] = acc_1_0;
  }
  if (i0 + 1 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 1)] = acc_1_1;
  }
  if (i0 + 1 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 2)] = acc_1_2;
  }
  if (i0 + 1 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 3)] = acc_1_3;
  }
  if (i0 + 1 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 4)] = acc_1_4;
  }
  if (i0 + 1 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 5)] = acc_1_5;
  }
  if (i0 + 1 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 6)] = acc_1_6;
  }
  if (i0 + 1 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 7)] = acc_1_7;
  }
  if (i0 + 2 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 0)] = acc_2_0;
  }
  if (i0 + 2 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 1)] = acc_2_1;
  }
  if (i0 + 2 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 2)] = acc_2_2;
  }
  if (i0 + 2 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 3)] = acc_2_3;
  }
  if (i0 + 2 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 4)] = acc_2_4;
  }
  if (i0 + 2 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 5)] = acc_2_5;
  }
  if (i0 + 2 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 6)] = acc_2_6;
  }
  if (i0 + 2 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 7)] = acc_2_7;
  }
  if (i0 + 3 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 0)] = acc_3_0;
  }
  if (i0 + 3 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 1)] = acc_3_1;
  }
  if (i0 + 3 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 2)] = acc_3_2;
  }
  if (i0 + 3 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 3)] = acc_3_3;
  }
  if (i0 + 3 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 4)] = acc_3_4;
  }
  if (i0 + 3 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 5)] = acc_3_5;
  }
  if (i0 + 3 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 6)] = acc_3_6;
  }
  if (i0 + 3 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 7)] = acc_3_7;
  }
  if (i0 + 4 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 0)] = acc_4_0;
  }
  if (i0 + 4 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 1)] = acc_4_1;
  }
  if (i0 + 4 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 2)] = acc_4_2;
  }
  if (i0 + 4 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 3)] = acc_4_3;
  }
  if (i0 + 4 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 4)] = acc_4_4;
  }
  if (i0 + 4 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 5)] = acc_4_5;
  }
  if (i0 + 4 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 6)] = acc_4_6;
  }
  if (i0 + 4 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 7)] = acc_4_7;
  }
  if (i0 + 5 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 0)] = acc_5_0;
  }
  if (i0 + 5 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 1)] = acc_5_1;
  }
  if (i0 + 5 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 2)] = acc_5_2;
  }
  if (i0 + 5 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 3)] = acc_5_3;
  }
  if (i0 + 5 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 4)] = acc_5_4;
  }
  if (i0 + 5 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 5)] = acc_5_5;
  }
  if (i0 + 5 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 6)] = acc_5_6;
  }
  if (i0 + 5 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 7)] = acc_5_7;
  }
  if (i0 + 6 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 0)] = acc_6_0;
  }
  if (i0 + 6 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 1)] = acc_6_1;
  }
  if (i0 + 6 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 2)] = acc_6_2;
  }
  if (i0 + 6 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 3)] = acc_6_3;
  }
  if (i0 + 6 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 4)] = acc_6_4;
  }
  if (i0 + 6 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 5)] = acc_6_5;
  }
  if (i0 + 6 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 6)] = acc_6_6;
  }
  if (i0 + 6 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 7)] = acc_6_7;
  }
  if (i0 + 7 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 0)] = acc_7_0;
  }
  if (i0 + 7 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 1)] = acc_7_1;
  }
  if (i0 + 7 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 2)] = acc_7_2;
  }
  if (i0 + 7 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 3)] = acc_7_3;
  }
  if (i0 + 7 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 4)] = acc_7_4;
  }
  if (i0 + 7 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 5)] = acc_7_5;
  }
  if (i0 + 7 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 6)] = acc_7_6;
  }
  if (i0 + 7 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 7)] = acc_7_7;
  }
}

// ----------------------------------------------------------------------
// k1_add_const_pow_mul: 9 fused ops, output f32[128,256]
//   %6 add[128,256]  examples/mnist-mlp.grove:14:41
//   %9 const[]  examples/mnist-mlp.grove:8:67
//   %10 pow[128,256]  examples/mnist-mlp.grove:8:65
//   %11 const[]  examples/mnist-mlp.grove:8:54
//   %12 mul[128,256]  examples/mnist-mlp.grove:8:54
//   %13 add[128,256]  examples/mnist-mlp.grove:8:49
//   %14 const[]  examples/mnist-mlp.grove:8:34
//   %15 mul[128,256]  examples/mnist-mlp.grove:8:34
//   %16 tanh[128,256]  examples/mnist-mlp.grove:8:29
// one invocation per output element: 32768 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

fn g_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a >= 0.0) { return pow(a, b); }
  if (b != round(b)) { return sqrt(a); }
  let m = pow(-a, b);
  return select(m, -m, (abs(b) % 2.0) == 1.0);
}

fn g_tanh(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 32768) { return; }
  let i0 = (t / 256);
  let i1 = (t % 256);
  let v2 = a_temps[i0 * 256 + i1];
  let v3 = a_params[i1 + 200704];
  let v4 = v2 + v3;
  let v5 = g_pow(v4, 3.0);
  let v6 = 0.044714998453855515 * v5;
  let v7 = v4 + v6;
  let v8 = 0.7978845834732056 * v7;
  let v9 = g_tanh(v8);
  a_temps[t + 32768] = v9;
}

// ----------------------------------------------------------------------
// k2_add_const_mul_matmul: 7 fused ops, output f32[128,10]
//   %6 add[128,256]  examples/mnist-mlp.grove:14:41
//   %7 const[]  examples/mnist-mlp.grove:8:14
//   %8 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %17 const[]  examples/mnist-mlp.grove:8:25
//   %18 add[128,256]  examples/mnist-mlp.grove:8:24
//   %19 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %20 matmul[128,10]  examples/mnist-mlp.grove:14:41
// 2x4 output tile per invocation: 192 invocations (1 x 64 x 3) in workgroups of 64, k = 256

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 192) { return; }
  let i0 = ((t / 3) % 64) * 2;
  let j0 = (t % 3) * 4;
  let m0 = min(i0 + 0, 127);
  let m1 = min(i0 + 1, 127);
  let n2 = min(j0 + 0, 9);
  let n3 = min(j0 + 1, 9);
  let n4 = min(j0 + 2, 9);
  let n5 = min(j0 + 3, 9);
  var acc_0_0 = 0.0;
  var acc_0_1 = 0.0;
  var acc_0_2 = 0.0;
  var acc_0_3 = 0.0;
  var acc_1_0 = 0.0;
  var acc_1_1 = 0.0;
  var acc_1_2 = 0.0;
  var acc_1_3 = 0.0;
  for (var k = 0; k < 256; k++) {
    let v6 = a_temps[m0 * 256 + k];
    let v7 = a_params[k + 200704];
    let v8 = v6 + v7;
    let v9 = 0.5 * v8;
    let v10 = a_temps[m0 * 256 + k + 32768];
    let v11 = 1.0 + v10;
    let v12 = v9 * v11;
    let v13 = a_temps[m1 * 256 + k];
    let v14 = v13 + v7;
    let v15 = 0.5 * v14;
    let v16 = a_temps[m1 * 256 + k + 32768];
    let v17 = 1.0 + v16;
    let v18 = v15 * v17;
    let v19 = a_params[k * 10 + n2 + 200960];
    let v20 = a_params[k * 10 + n3 + 200960];
    let v21 = a_params[k * 10 + n4 + 200960];
    let v22 = a_params[k * 10 + n5 + 200960];
    acc_0_0 = fma(v12, v19, acc_0_0);
    acc_0_1 = fma(v12, v20, acc_0_1);
    acc_0_2 = fma(v12, v21, acc_0_2);
    acc_0_3 = fma(v12, v22, acc_0_3);
    acc_1_0 = fma(v18, v19, acc_1_0);
    acc_1_1 = fma(v18, v20, acc_1_1);
    acc_1_2 = fma(v18, v21, acc_1_2);
    acc_1_3 = fma(v18, v22, acc_1_3);
  }
  if (i0 + 0 < 128 && j0 + 0 < 10) {
    a_temps[(i0 + 0) * 10 + (j0 + 0) + 65536] = acc_0_0;
  }
  if (i0 + 0 < 128 && j0 + 1 < 10) {
    a_temps[(i0 + 0) * 10 + (j0 + 1) + 65536] = acc_0_1;
  }
  if (i0 + 0 < 128 && j0 + 2 < 10) {
    a_temps[(i0 + 0) * 10 + (j0 + 2) + 65536] = acc_0_2;
  }
  if (i0 + 0 < 128 && j0 + 3 < 10) {
    a_temps[(i0 + 0) * 10 + (j0 + 3) + 65536] = acc_0_3;
  }
  if (i0 + 1 < 128 && j0 + 0 < 10) {
    a_temps[(i0 + 1) * 10 + (j0 + 0) + 65536] = acc_1_0;
  }
  if (i0 + 1 < 128 && j0 + 1 < 10) {
    a_temps[(i0 + 1) * 10 + (j0 + 1) + 65536] = acc_1_1;
  }
  if (i0 + 1 < 128 && j0 + 2 < 10) {
    a_temps[(i0 + 1) * 10 + (j0 + 2) + 65536] = acc_1_2;
  }
  if (i0 + 1 < 128 && j0 + 3 < 10) {
    a_temps[(i0 + 1) * 10 + (j0 + 3) + 65536] = acc_1_3;
  }
}

// ----------------------------------------------------------------------
// k3_add_max: 2 fused ops, output f32[128,1]
//   %21 add[128,10]  examples/mnist-mlp.grove:14:41
//   %24 max[128,1]  std/activations.grove:46:25
// one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

fn g_bits(b: u32) -> f32 {
  return bitcast<f32>(b);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  var acc0 = g_bits(0xff800000u);
  for (var r1 = 0; r1 < 10; r1++) {
    let v2 = a_temps[t * 10 + r1 + 65536];
    let v3 = a_params[r1 + 203520];
    let v4 = v2 + v3;
    acc0 = max(acc0, v4);
  }
  a_temps[t + 66816] = acc0;
}

// ----------------------------------------------------------------------
// k4_add_stop_gradient_sub_exp: 4 fused ops, output f32[128,10]
//   %21 add[128,10]  examples/mnist-mlp.grove:14:41
//   %25 stop_gradient[128,1]  std/activations.grove:46:11
//   %26 sub[128,10]  std/activations.grove:46:7
//   %27 exp[128,10]  std/activations.grove:47:15
// one invocation per output element: 1280 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 1280) { return; }
  let i0 = (t / 10);
  let i1 = (t % 10);
  let v2 = a_temps[i0 * 10 + i1 + 65536];
  let v3 = a_params[i1 + 203520];
  let v4 = v2 + v3;
  let v5 = a_temps[i0 + 66816];
  let v6 = v4 - v5;
  let v7 = exp(v6);
  a_temps[t + 66944] = v7;
}

// ----------------------------------------------------------------------
// k5_sum: 1 fused op, output f32[128,1]
//   %28 sum[128,1]  std/activations.grove:47:11
// one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 10; r1++) {
    let v2 = a_temps[t * 10 + r1 + 66944];
    acc0 = acc0 + v2;
  }
  a_temps[t + 68224] = acc0;
}

// ----------------------------------------------------------------------
// k6_add_one_hot_stop_gradient_sub: 8 fused ops, output f32[128]
//   %21 add[128,10]  examples/mnist-mlp.grove:14:41
//   %23 one_hot[128,10]  std/losses.grove:6:13
//   %25 stop_gradient[128,1]  std/activations.grove:46:11
//   %26 sub[128,10]  std/activations.grove:46:7
//   %29 log[128,1]  std/activations.grove:47:7
//   %30 sub[128,10]  std/activations.grove:47:3
//   %31 mul[128,10]  std/losses.grove:7:13
//   %32 sum[128]  std/losses.grove:7:9
// one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_params: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 10; r1++) {
    let v2 = bitcast<i32>(a_inputs[t + 100352]);
    let v3 = select(0.0, 1.0, v2 == r1);
    let v4 = a_temps[t * 10 + r1 + 65536];
    let v5 = a_params[r1 + 203520];
    let v6 = v4 + v5;
    let v7 = a_temps[t + 66816];
    let v8 = v6 - v7;
    let v9 = a_temps[t + 68224];
    let v10 = log(v9);
    let v11 = v8 - v10;
    let v12 = v3 * v11;
    acc0 = acc0 + v12;
  }
  a_temps[t + 68352] = acc0;
}

// ----------------------------------------------------------------------
// k7_neg_mean: 2 fused ops, output f32[]
//   %33 neg[128]  std/losses.grove:7:8
//   %34 mean[]  std/losses.grove:7:3
// one invocation per output element: 1 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 1) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 128; r1++) {
    let v2 = a_temps[r1 + 68352];
    let v3 = -v2;
    acc0 = acc0 + v3;
  }
  let v4 = acc0 / 128.0;
  a_outputs[t + 1280] = v4;
}

// ----------------------------------------------------------------------
// k8_add_argmax: 2 fused ops, output i32[128]
//   %21 add[128,10]  examples/mnist-mlp.grove:14:41
//   %35 argmax[128]  std/losses.grove:21:36
// one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  let v2 = a_temps[t * 10 + 65536];
  let v3 = a_params[203520];
  let v4 = v2 + v3;
  var best0 = v4;
  var arg1 = 0;
  for (var r5 = 0; r5 < 10; r5++) {
    let v6 = a_temps[t * 10 + r5 + 65536];
    let v7 = a_params[r5 + 203520];
    let v8 = v6 + v7;
    if (v8 > best0 || (v8 != v8 && best0 == best0)) {
      best0 = v8;
      arg1 = r5;
    }
  }
  a_temps[t + 66816] = bitcast<f32>(arg1);
}

// ----------------------------------------------------------------------
// k9_equal_mean: 2 fused ops, output f32[]
//   %36 equal[128]  std/losses.grove:21:36
//   %37 mean[]  std/losses.grove:21:31
// one invocation per output element: 1 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(2) var<storage, read> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 1) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 128; r1++) {
    let v2 = bitcast<i32>(a_temps[r1 + 66816]);
    let v3 = bitcast<i32>(a_inputs[r1 + 100352]);
    let v4 = select(0.0, 1.0, v2 == v3);
    acc0 = acc0 + v4;
  }
  let v5 = acc0 / 128.0;
  a_outputs[t + 1284] = v5;
}

// ----------------------------------------------------------------------
// k10_one_hot_const_mul_neg: 5 fused ops, output f32[128]
//   %23 one_hot[128,10]  std/losses.grove:6:13
//   %38 const[128,10]  std/losses.grove:7:9
//   %39 mul[128,10]  std/losses.grove:7:13
//   %40 neg[128,10]  std/activations.grove:47:3
//   %41 sum[128]  std/activations.grove:47:3
// one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 10; r1++) {
    let v2 = (-0.0078125);
    let v3 = bitcast<i32>(a_inputs[t + 100352]);
    let v4 = select(0.0, 1.0, v3 == r1);
    let v5 = v2 * v4;
    let v6 = -v5;
    acc0 = acc0 + v6;
  }
  a_temps[t + 65536] = acc0;
}

// ----------------------------------------------------------------------
// k11_one_hot_const_mul_reshape: 9 fused ops, output f32[10]
//   %23 one_hot[128,10]  std/losses.grove:6:13
//   %38 const[128,10]  std/losses.grove:7:9
//   %39 mul[128,10]  std/losses.grove:7:13
//   %42 reshape[128,1]  std/activations.grove:47:3
//   %43 div[128,1]  std/activations.grove:47:7
//   %44 broadcast[128,10]  std/activations.grove:47:11
//   %45 mul[128,10]  std/activations.grove:47:15
//   %46 add[128,10]  std/activations.grove:47:15
//   %47 sum[10]  examples/mnist-mlp.grove:14:41
// one invocation per output element: 10 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_grads: array<f32>;
@group(0) @binding(1) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(2) var<storage, read> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 10) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 128; r1++) {
    let v2 = (-0.0078125);
    let v3 = bitcast<i32>(a_inputs[r1 + 100352]);
    let v4 = select(0.0, 1.0, v3 == t);
    let v5 = v2 * v4;
    let v6 = a_temps[r1 + 65536];
    let v7 = a_temps[r1 + 68224];
    let v8 = v6 / v7;
    let v9 = a_temps[r1 * 10 + t + 66944];
    let v10 = v8 * v9;
    let v11 = v5 + v10;
    acc0 = acc0 + v11;
  }
  a_grads[t + 203520] = acc0;
}

// ----------------------------------------------------------------------
// k12_one_hot_const_mul_reshape: 10 fused ops, output f32[128,256]
//   %23 one_hot[128,10]  std/losses.grove:6:13
//   %38 const[128,10]  std/losses.grove:7:9
//   %39 mul[128,10]  std/losses.grove:7:13
//   %42 reshape[128,1]  std/activations.grove:47:3
//   %43 div[128,1]  std/activations.grove:47:7
//   %44 broadcast[128,10]  std/activations.grove:47:11
//   %45 mul[128,10]  std/activations.grove:47:15
//   %46 add[128,10]  std/activations.grove:47:15
//   %48 transpose[10,256]  examples/mnist-mlp.grove:14:41
//   %49 matmul[128,256]  examples/mnist-mlp.grove:14:41
// 8x8 output tile per invocation: 512 invocations (1 x 16 x 32) in workgroups of 64, k = 10

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_params: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 512) { return; }
  let i0 = ((t / 32) % 16) * 8;
  let j0 = (t % 32) * 8;
  let m0 = min(i0 + 0, 127);
  let m1 = min(i0 + 1, 127);
  let m2 = min(i0 + 2, 127);
  let m3 = min(i0 + 3, 127);
  let m4 = min(i0 + 4, 127);
  let m5 = min(i0 + 5, 127);
  let m6 = min(i0 + 6, 127);
  let m7 = min(i0 + 7, 127);
  let n8 = min(j0 + 0, 255);
  let n9 = min(j0 + 1, 255);
  let n10 = min(j0 + 2, 255);
  let n11 = min(j0 + 3, 255);
  let n12 = min(j0 + 4, 255);
  let n13 = min(j0 + 5, 255);
  let n14 = min(j0 + 6, 255);
  let n15 = min(j0 + 7, 255);
  var acc_0_0 = 0.0;
  var acc_0_1 = 0.0;
  var acc_0_2 = 0.0;
  var acc_0_3 = 0.0;
  var acc_0_4 = 0.0;
  var acc_0_5 = 0.0;
  var acc_0_6 = 0.0;
  var acc_0_7 = 0.0;
  var acc_1_0 = 0.0;
  var acc_1_1 = 0.0;
  var acc_1_2 = 0.0;
  var acc_1_3 = 0.0;
  var acc_1_4 = 0.0;
  var acc_1_5 = 0.0;
  var acc_1_6 = 0.0;
  var acc_1_7 = 0.0;
  var acc_2_0 = 0.0;
  var acc_2_1 = 0.0;
  var acc_2_2 = 0.0;
  var acc_2_3 = 0.0;
  var acc_2_4 = 0.0;
  var acc_2_5 = 0.0;
  var acc_2_6 = 0.0;
  var acc_2_7 = 0.0;
  var acc_3_0 = 0.0;
  var acc_3_1 = 0.0;
  var acc_3_2 = 0.0;
  var acc_3_3 = 0.0;
  var acc_3_4 = 0.0;
  var acc_3_5 = 0.0;
  var acc_3_6 = 0.0;
  var acc_3_7 = 0.0;
  var acc_4_0 = 0.0;
  var acc_4_1 = 0.0;
  var acc_4_2 = 0.0;
  var acc_4_3 = 0.0;
  var acc_4_4 = 0.0;
  var acc_4_5 = 0.0;
  var acc_4_6 = 0.0;
  var acc_4_7 = 0.0;
  var acc_5_0 = 0.0;
  var acc_5_1 = 0.0;
  var acc_5_2 = 0.0;
  var acc_5_3 = 0.0;
  var acc_5_4 = 0.0;
  var acc_5_5 = 0.0;
  var acc_5_6 = 0.0;
  var acc_5_7 = 0.0;
  var acc_6_0 = 0.0;
  var acc_6_1 = 0.0;
  var acc_6_2 = 0.0;
  var acc_6_3 = 0.0;
  var acc_6_4 = 0.0;
  var acc_6_5 = 0.0;
  var acc_6_6 = 0.0;
  var acc_6_7 = 0.0;
  var acc_7_0 = 0.0;
  var acc_7_1 = 0.0;
  var acc_7_2 = 0.0;
  var acc_7_3 = 0.0;
  var acc_7_4 = 0.0;
  var acc_7_5 = 0.0;
  var acc_7_6 = 0.0;
  var acc_7_7 = 0.0;
  for (var k = 0; k < 10; k++) {
    let v16 = (-0.0078125);
    let v17 = bitcast<i32>(a_inputs[m0 + 100352]);
    let v18 = select(0.0, 1.0, v17 == k);
    let v19 = v16 * v18;
    let v20 = a_temps[m0 + 65536];
    let v21 = a_temps[m0 + 68224];
    let v22 = v20 / v21;
    let v23 = a_temps[m0 * 10 + k + 66944];
    let v24 = v22 * v23;
    let v25 = v19 + v24;
    let v26 = (-0.0078125);
    let v27 = bitcast<i32>(a_inputs[m1 + 100352]);
    let v28 = select(0.0, 1.0, v27 == k);
    let v29 = v26 * v28;
    let v30 = a_temps[m1 + 65536];
    let v31 = a_temps[m1 + 68224];
    let v32 = v30 / v31;
    let v33 = a_temps[m1 * 10 + k + 66944];
    let v34 = v32 * v33;
    let v35 = v29 + v34;
    let v36 = (-0.0078125);
    let v37 = bitcast<i32>(a_inputs[m2 + 100352]);
    let v38 = select(0.0, 1.0, v37 == k);
    let v39 = v36 * v38;
    let v40 = a_temps[m2 + 65536];
    let v41 = a_temps[m2 + 68224];
    let v42 = v40 / v41;
    let v43 = a_temps[m2 * 10 + k + 66944];
    let v44 = v42 * v43;
    let v45 = v39 + v44;
    let v46 = (-0.0078125);
    let v47 = bitcast<i32>(a_inputs[m3 + 100352]);
    let v48 = select(0.0, 1.0, v47 == k);
    let v49 = v46 * v48;
    let v50 = a_temps[m3 + 65536];
    let v51 = a_temps[m3 + 68224];
    let v52 = v50 / v51;
    let v53 = a_temps[m3 * 10 + k + 66944];
    let v54 = v52 * v53;
    let v55 = v49 + v54;
    let v56 = (-0.0078125);
    let v57 = bitcast<i32>(a_inputs[m4 + 100352]);
    let v58 = select(0.0, 1.0, v57 == k);
    let v59 = v56 * v58;
    let v60 = a_temps[m4 + 65536];
    let v61 = a_temps[m4 + 68224];
    let v62 = v60 / v61;
    let v63 = a_temps[m4 * 10 + k + 66944];
    let v64 = v62 * v63;
    let v65 = v59 + v64;
    let v66 = (-0.0078125);
    let v67 = bitcast<i32>(a_inputs[m5 + 100352]);
    let v68 = select(0.0, 1.0, v67 == k);
    let v69 = v66 * v68;
    let v70 = a_temps[m5 + 65536];
    let v71 = a_temps[m5 + 68224];
    let v72 = v70 / v71;
    let v73 = a_temps[m5 * 10 + k + 66944];
    let v74 = v72 * v73;
    let v75 = v69 + v74;
    let v76 = (-0.0078125);
    let v77 = bitcast<i32>(a_inputs[m6 + 100352]);
    let v78 = select(0.0, 1.0, v77 == k);
    let v79 = v76 * v78;
    let v80 = a_temps[m6 + 65536];
    let v81 = a_temps[m6 + 68224];
    let v82 = v80 / v81;
    let v83 = a_temps[m6 * 10 + k + 66944];
    let v84 = v82 * v83;
    let v85 = v79 + v84;
    let v86 = (-0.0078125);
    let v87 = bitcast<i32>(a_inputs[m7 + 100352]);
    let v88 = select(0.0, 1.0, v87 == k);
    let v89 = v86 * v88;
    let v90 = a_temps[m7 + 65536];
    let v91 = a_temps[m7 + 68224];
    let v92 = v90 / v91;
    let v93 = a_temps[m7 * 10 + k + 66944];
    let v94 = v92 * v93;
    let v95 = v89 + v94;
    let v96 = a_params[n8 * 10 + k + 200960];
    let v97 = a_params[n9 * 10 + k + 200960];
    let v98 = a_params[n10 * 10 + k + 200960];
    let v99 = a_params[n11 * 10 + k + 200960];
    let v100 = a_params[n12 * 10 + k + 200960];
    let v101 = a_params[n13 * 10 + k + 200960];
    let v102 = a_params[n14 * 10 + k + 200960];
    let v103 = a_params[n15 * 10 + k + 200960];
    acc_0_0 = fma(v25, v96, acc_0_0);
    acc_0_1 = fma(v25, v97, acc_0_1);
    acc_0_2 = fma(v25, v98, acc_0_2);
    acc_0_3 = fma(v25, v99, acc_0_3);
    acc_0_4 = fma(v25, v100, acc_0_4);
    acc_0_5 = fma(v25, v101, acc_0_5);
    acc_0_6 = fma(v25, v102, acc_0_6);
    acc_0_7 = fma(v25, v103, acc_0_7);
    acc_1_0 = fma(v35, v96, acc_1_0);
    acc_1_1 = fma(v35, v97, acc_1_1);
    acc_1_2 = fma(v35, v98, acc_1_2);
    acc_1_3 = fma(v35, v99, acc_1_3);
    acc_1_4 = fma(v35, v100, acc_1_4);
    acc_1_5 = fma(v35, v101, acc_1_5);
    acc_1_6 = fma(v35, v102, acc_1_6);
    acc_1_7 = fma(v35, v103, acc_1_7);
    acc_2_0 = fma(v45, v96, acc_2_0);
    acc_2_1 = fma(v45, v97, acc_2_1);
    acc_2_2 = fma(v45, v98, acc_2_2);
    acc_2_3 = fma(v45, v99, acc_2_3);
    acc_2_4 = fma(v45, v100, acc_2_4);
    acc_2_5 = fma(v45, v101, acc_2_5);
    acc_2_6 = fma(v45, v102, acc_2_6);
    acc_2_7 = fma(v45, v103, acc_2_7);
    acc_3_0 = fma(v55, v96, acc_3_0);
    acc_3_1 = fma(v55, v97, acc_3_1);
    acc_3_2 = fma(v55, v98, acc_3_2);
    acc_3_3 = fma(v55, v99, acc_3_3);
    acc_3_4 = fma(v55, v100, acc_3_4);
    acc_3_5 = fma(v55, v101, acc_3_5);
    acc_3_6 = fma(v55, v102, acc_3_6);
    acc_3_7 = fma(v55, v103, acc_3_7);
    acc_4_0 = fma(v65, v96, acc_4_0);
    acc_4_1 = fma(v65, v97, acc_4_1);
    acc_4_2 = fma(v65, v98, acc_4_2);
    acc_4_3 = fma(v65, v99, acc_4_3);
    acc_4_4 = fma(v65, v100, acc_4_4);
    acc_4_5 = fma(v65, v101, acc_4_5);
    acc_4_6 = fma(v65, v102, acc_4_6);
    acc_4_7 = fma(v65, v103, acc_4_7);
    acc_5_0 = fma(v75, v96, acc_5_0);
    acc_5_1 = fma(v75, v97, acc_5_1);
    acc_5_2 = fma(v75, v98, acc_5_2);
    acc_5_3 = fma(v75, v99, acc_5_3);
    acc_5_4 = fma(v75, v100, acc_5_4);
    acc_5_5 = fma(v75, v101, acc_5_5);
    acc_5_6 = fma(v75, v102, acc_5_6);
    acc_5_7 = fma(v75, v103, acc_5_7);
    acc_6_0 = fma(v85, v96, acc_6_0);
    acc_6_1 = fma(v85, v97, acc_6_1);
    acc_6_2 = fma(v85, v98, acc_6_2);
    acc_6_3 = fma(v85, v99, acc_6_3);
    acc_6_4 = fma(v85, v100, acc_6_4);
    acc_6_5 = fma(v85, v101, acc_6_5);
    acc_6_6 = fma(v85, v102, acc_6_6);
    acc_6_7 = fma(v85, v103, acc_6_7);
    acc_7_0 = fma(v95, v96, acc_7_0);
    acc_7_1 = fma(v95, v97, acc_7_1);
    acc_7_2 = fma(v95, v98, acc_7_2);
    acc_7_3 = fma(v95, v99, acc_7_3);
    acc_7_4 = fma(v95, v100, acc_7_4);
    acc_7_5 = fma(v95, v101, acc_7_5);
    acc_7_6 = fma(v95, v102, acc_7_6);
    acc_7_7 = fma(v95, v103, acc_7_7);
  }
  if (i0 + 0 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 0) + 68352] = acc_0_0;
  }
  if (i0 + 0 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 1) + 68352] = acc_0_1;
  }
  if (i0 + 0 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 2) + 68352] = acc_0_2;
  }
  if (i0 + 0 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 3) + 68352] = acc_0_3;
  }
  if (i0 + 0 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 4) + 68352] = acc_0_4;
  }
  if (i0 + 0 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 5) + 68352] = acc_0_5;
  }
  if (i0 + 0 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 6) + 68352] = acc_0_6;
  }
  if (i0 + 0 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 7) + 68352] = acc_0_7;
  }
  if (i0 + 1 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 0) + 68352] = acc_1_0;
  }
  if (i0 + 1 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 1) + 68352] = acc_1_1;
  }
  if (i0 + 1 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 2) + 68352] = acc_1_2;
  }
  if (i0 + 1 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 3) + 68352] = acc_1_3;
  }
  if (i0 + 1 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 4) + 68352] = acc_1_4;
  }
  if (i0 + 1 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 5) + 68352] = acc_1_5;
  }
  if (i0 + 1 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 6) + 68352] = acc_1_6;
  }
  if (i0 + 1 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 7) + 68352] = acc_1_7;
  }
  if (i0 + 2 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 0) + 68352] = acc_2_0;
  }
  if (i0 + 2 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 1) + 68352] = acc_2_1;
  }
  if (i0 + 2 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 2) + 68352] = acc_2_2;
  }
  if (i0 + 2 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 3) + 68352] = acc_2_3;
  }
  if (i0 + 2 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 4) + 68352] = acc_2_4;
  }
  if (i0 + 2 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 5) + 68352] = acc_2_5;
  }
  if (i0 + 2 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 6) + 68352] = acc_2_6;
  }
  if (i0 + 2 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 7) + 68352] = acc_2_7;
  }
  if (i0 + 3 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 0) + 68352] = acc_3_0;
  }
  if (i0 + 3 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 1) + 68352] = acc_3_1;
  }
  if (i0 + 3 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 2) + 68352] = acc_3_2;
  }
  if (i0 + 3 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 3) + 68352] = acc_3_3;
  }
  if (i0 + 3 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 4) + 68352] = acc_3_4;
  }
  if (i0 + 3 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 5) + 68352] = acc_3_5;
  }
  if (i0 + 3 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 6) + 68352] = acc_3_6;
  }
  if (i0 + 3 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 7) + 68352] = acc_3_7;
  }
  if (i0 + 4 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 0) + 68352] = acc_4_0;
  }
  if (i0 + 4 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 1) + 68352] = acc_4_1;
  }
  if (i0 + 4 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 2) + 68352] = acc_4_2;
  }
  if (i0 + 4 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 3) + 68352] = acc_4_3;
  }
  if (i0 + 4 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 4) + 68352] = acc_4_4;
  }
  if (i0 + 4 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 5) + 68352] = acc_4_5;
  }
  if (i0 + 4 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 6) + 68352] = acc_4_6;
  }
  if (i0 + 4 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 7) + 68352] = acc_4_7;
  }
  if (i0 + 5 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 0) + 68352] = acc_5_0;
  }
  if (i0 + 5 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 1) + 68352] = acc_5_1;
  }
  if (i0 + 5 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 2) + 68352] = acc_5_2;
  }
  if (i0 + 5 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 3) + 68352] = acc_5_3;
  }
  if (i0 + 5 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 4) + 68352] = acc_5_4;
  }
  if (i0 + 5 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 5) + 68352] = acc_5_5;
  }
  if (i0 + 5 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 6) + 68352] = acc_5_6;
  }
  if (i0 + 5 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 7) + 68352] = acc_5_7;
  }
  if (i0 + 6 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 0) + 68352] = acc_6_0;
  }
  if (i0 + 6 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 1) + 68352] = acc_6_1;
  }
  if (i0 + 6 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 2) + 68352] = acc_6_2;
  }
  if (i0 + 6 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 3) + 68352] = acc_6_3;
  }
  if (i0 + 6 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 4) + 68352] = acc_6_4;
  }
  if (i0 + 6 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 5) + 68352] = acc_6_5;
  }
  if (i0 + 6 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 6) + 68352] = acc_6_6;
  }
  if (i0 + 6 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 7) + 68352] = acc_6_7;
  }
  if (i0 + 7 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 0) + 68352] = acc_7_0;
  }
  if (i0 + 7 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 1) + 68352] = acc_7_1;
  }
  if (i0 + 7 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 2) + 68352] = acc_7_2;
  }
  if (i0 + 7 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 3) + 68352] = acc_7_3;
  }
  if (i0 + 7 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 4) + 68352] = acc_7_4;
  }
  if (i0 + 7 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 5) + 68352] = acc_7_5;
  }
  if (i0 + 7 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 6) + 68352] = acc_7_6;
  }
  if (i0 + 7 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 7) + 68352] = acc_7_7;
  }
}

// ----------------------------------------------------------------------
// k13_add_const_mul_one_hot: 16 fused ops, output f32[256,10]
//   %6 add[128,256]  examples/mnist-mlp.grove:14:41
//   %7 const[]  examples/mnist-mlp.grove:8:14
//   %8 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %17 const[]  examples/mnist-mlp.grove:8:25
//   %18 add[128,256]  examples/mnist-mlp.grove:8:24
//   %19 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %23 one_hot[128,10]  std/losses.grove:6:13
//   %38 const[128,10]  std/losses.grove:7:9
//   %39 mul[128,10]  std/losses.grove:7:13
//   %42 reshape[128,1]  std/activations.grove:47:3
//   %43 div[128,1]  std/activations.grove:47:7
//   %44 broadcast[128,10]  std/activations.grove:47:11
//   %45 mul[128,10]  std/activations.grove:47:15
//   %46 add[128,10]  std/activations.grove:47:15
//   %50 transpose[256,128]  examples/mnist-mlp.grove:14:41
//   %51 matmul[256,10]  examples/mnist-mlp.grove:14:41
// 4x8 output tile per invocation: 128 invocations (1 x 64 x 2) in workgroups of 64, k = 128

@group(0) @binding(0) var<storage, read_write> a_grads: array<f32>;
@group(0) @binding(1) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(2) var<storage, read> a_params: array<f32>;
@group(0) @binding(3) var<storage, read> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  let i0 = ((t / 2) % 64) * 4;
  let j0 = (t % 2) * 8;
  let m0 = min(i0 + 0, 255);
  let m1 = min(i0 + 1, 255);
  let m2 = min(i0 + 2, 255);
  let m3 = min(i0 + 3, 255);
  let n4 = min(j0 + 0, 9);
  let n5 = min(j0 + 1, 9);
  let n6 = min(j0 + 2, 9);
  let n7 = min(j0 + 3, 9);
  let n8 = min(j0 + 4, 9);
  let n9 = min(j0 + 5, 9);
  let n10 = min(j0 + 6, 9);
  let n11 = min(j0 + 7, 9);
  var acc_0_0 = 0.0;
  var acc_0_1 = 0.0;
  var acc_0_2 = 0.0;
  var acc_0_3 = 0.0;
  var acc_0_4 = 0.0;
  var acc_0_5 = 0.0;
  var acc_0_6 = 0.0;
  var acc_0_7 = 0.0;
  var acc_1_0 = 0.0;
  var acc_1_1 = 0.0;
  var acc_1_2 = 0.0;
  var acc_1_3 = 0.0;
  var acc_1_4 = 0.0;
  var acc_1_5 = 0.0;
  var acc_1_6 = 0.0;
  var acc_1_7 = 0.0;
  var acc_2_0 = 0.0;
  var acc_2_1 = 0.0;
  var acc_2_2 = 0.0;
  var acc_2_3 = 0.0;
  var acc_2_4 = 0.0;
  var acc_2_5 = 0.0;
  var acc_2_6 = 0.0;
  var acc_2_7 = 0.0;
  var acc_3_0 = 0.0;
  var acc_3_1 = 0.0;
  var acc_3_2 = 0.0;
  var acc_3_3 = 0.0;
  var acc_3_4 = 0.0;
  var acc_3_5 = 0.0;
  var acc_3_6 = 0.0;
  var acc_3_7 = 0.0;
  for (var k = 0; k < 128; k++) {
    let v12 = a_temps[k * 256 + m0];
    let v13 = a_params[m0 + 200704];
    let v14 = v12 + v13;
    let v15 = 0.5 * v14;
    let v16 = a_temps[k * 256 + m0 + 32768];
    let v17 = 1.0 + v16;
    let v18 = v15 * v17;
    let v19 = a_temps[k * 256 + m1];
    let v20 = a_params[m1 + 200704];
    let v21 = v19 + v20;
    let v22 = 0.5 * v21;
    let v23 = a_temps[k * 256 + m1 + 32768];
    let v24 = 1.0 + v23;
    let v25 = v22 * v24;
    let v26 = a_temps[k * 256 + m2];
    let v27 = a_params[m2 + 200704];
    let v28 = v26 + v27;
    let v29 = 0.5 * v28;
    let v30 = a_temps[k * 256 + m2 + 32768];
    let v31 = 1.0 + v30;
    let v32 = v29 * v31;
    let v33 = a_temps[k * 256 + m3];
    let v34 = a_params[m3 + 200704];
    let v35 = v33 + v34;
    let v36 = 0.5 * v35;
    let v37 = a_temps[k * 256 + m3 + 32768];
    let v38 = 1.0 + v37;
    let v39 = v36 * v38;
    let v40 = (-0.0078125);
    let v41 = bitcast<i32>(a_inputs[k + 100352]);
    let v42 = select(0.0, 1.0, v41 == n4);
    let v43 = v40 * v42;
    let v44 = a_temps[k + 65536];
    let v45 = a_temps[k + 68224];
    let v46 = v44 / v45;
    let v47 = a_temps[k * 10 + n4 + 66944];
    let v48 = v46 * v47;
    let v49 = v43 + v48;
    let v50 = (-0.0078125);
    let v51 = select(0.0, 1.0, v41 == n5);
    let v52 = v50 * v51;
    let v53 = a_temps[k * 10 + n5 + 66944];
    let v54 = v46 * v53;
    let v55 = v52 + v54;
    let v56 = (-0.0078125);
    let v57 = select(0.0, 1.0, v41 == n6);
    let v58 = v56 * v57;
    let v59 = a_temps[k * 10 + n6 + 66944];
    let v60 = v46 * v59;
    let v61 = v58 + v60;
    let v62 = (-0.0078125);
    let v63 = select(0.0, 1.0, v41 == n7);
    let v64 = v62 * v63;
    let v65 = a_temps[k * 10 + n7 + 66944];
    let v66 = v46 * v65;
    let v67 = v64 + v66;
    let v68 = (-0.0078125);
    let v69 = select(0.0, 1.0, v41 == n8);
    let v70 = v68 * v69;
    let v71 = a_temps[k * 10 + n8 + 66944];
    let v72 = v46 * v71;
    let v73 = v70 + v72;
    let v74 = (-0.0078125);
    let v75 = select(0.0, 1.0, v41 == n9);
    let v76 = v74 * v75;
    let v77 = a_temps[k * 10 + n9 + 66944];
    let v78 = v46 * v77;
    let v79 = v76 + v78;
    let v80 = (-0.0078125);
    let v81 = select(0.0, 1.0, v41 == n10);
    let v82 = v80 * v81;
    let v83 = a_temps[k * 10 + n10 + 66944];
    let v84 = v46 * v83;
    let v85 = v82 + v84;
    let v86 = (-0.0078125);
    let v87 = select(0.0, 1.0, v41 == n11);
    let v88 = v86 * v87;
    let v89 = a_temps[k * 10 + n11 + 66944];
    let v90 = v46 * v89;
    let v91 = v88 + v90;
    acc_0_0 = fma(v18, v49, acc_0_0);
    acc_0_1 = fma(v18, v55, acc_0_1);
    acc_0_2 = fma(v18, v61, acc_0_2);
    acc_0_3 = fma(v18, v67, acc_0_3);
    acc_0_4 = fma(v18, v73, acc_0_4);
    acc_0_5 = fma(v18, v79, acc_0_5);
    acc_0_6 = fma(v18, v85, acc_0_6);
    acc_0_7 = fma(v18, v91, acc_0_7);
    acc_1_0 = fma(v25, v49, acc_1_0);
    acc_1_1 = fma(v25, v55, acc_1_1);
    acc_1_2 = fma(v25, v61, acc_1_2);
    acc_1_3 = fma(v25, v67, acc_1_3);
    acc_1_4 = fma(v25, v73, acc_1_4);
    acc_1_5 = fma(v25, v79, acc_1_5);
    acc_1_6 = fma(v25, v85, acc_1_6);
    acc_1_7 = fma(v25, v91, acc_1_7);
    acc_2_0 = fma(v32, v49, acc_2_0);
    acc_2_1 = fma(v32, v55, acc_2_1);
    acc_2_2 = fma(v32, v61, acc_2_2);
    acc_2_3 = fma(v32, v67, acc_2_3);
    acc_2_4 = fma(v32, v73, acc_2_4);
    acc_2_5 = fma(v32, v79, acc_2_5);
    acc_2_6 = fma(v32, v85, acc_2_6);
    acc_2_7 = fma(v32, v91, acc_2_7);
    acc_3_0 = fma(v39, v49, acc_3_0);
    acc_3_1 = fma(v39, v55, acc_3_1);
    acc_3_2 = fma(v39, v61, acc_3_2);
    acc_3_3 = fma(v39, v67, acc_3_3);
    acc_3_4 = fma(v39, v73, acc_3_4);
    acc_3_5 = fma(v39, v79, acc_3_5);
    acc_3_6 = fma(v39, v85, acc_3_6);
    acc_3_7 = fma(v39, v91, acc_3_7);
  }
  if (i0 + 0 < 256 && j0 + 0 < 10) {
    a_grads[(i0 + 0) * 10 + (j0 + 0) + 200960] = acc_0_0;
  }
  if (i0 + 0 < 256 && j0 + 1 < 10) {
    a_grads[(i0 + 0) * 10 + (j0 + 1) + 200960] = acc_0_1;
  }
  if (i0 + 0 < 256 && j0 + 2 < 10) {
    a_grads[(i0 + 0) * 10 + (j0 + 2) + 200960] = acc_0_2;
  }
  if (i0 + 0 < 256 && j0 + 3 < 10) {
    a_grads[(i0 + 0) * 10 + (j0 + 3) + 200960] = acc_0_3;
  }
  if (i0 + 0 < 256 && j0 + 4 < 10) {
    a_grads[(i0 + 0) * 10 + (j0 + 4) + 200960] = acc_0_4;
  }
  if (i0 + 0 < 256 && j0 + 5 < 10) {
    a_grads[(i0 + 0) * 10 + (j0 + 5) + 200960] = acc_0_5;
  }
  if (i0 + 0 < 256 && j0 + 6 < 10) {
    a_grads[(i0 + 0) * 10 + (j0 + 6) + 200960] = acc_0_6;
  }
  if (i0 + 0 < 256 && j0 + 7 < 10) {
    a_grads[(i0 + 0) * 10 + (j0 + 7) + 200960] = acc_0_7;
  }
  if (i0 + 1 < 256 && j0 + 0 < 10) {
    a_grads[(i0 + 1) * 10 + (j0 + 0) + 200960] = acc_1_0;
  }
  if (i0 + 1 < 256 && j0 + 1 < 10) {
    a_grads[(i0 + 1) * 10 + (j0 + 1) + 200960] = acc_1_1;
  }
  if (i0 + 1 < 256 && j0 + 2 < 10) {
    a_grads[(i0 + 1) * 10 + (j0 + 2) + 200960] = acc_1_2;
  }
  if (i0 + 1 < 256 && j0 + 3 < 10) {
    a_grads[(i0 + 1) * 10 + (j0 + 3) + 200960] = acc_1_3;
  }
  if (i0 + 1 < 256 && j0 + 4 < 10) {
    a_grads[(i0 + 1) * 10 + (j0 + 4) + 200960] = acc_1_4;
  }
  if (i0 + 1 < 256 && j0 + 5 < 10) {
    a_grads[(i0 + 1) * 10 + (j0 + 5) + 200960] = acc_1_5;
  }
  if (i0 + 1 < 256 && j0 + 6 < 10) {
    a_grads[(i0 + 1) * 10 + (j0 + 6) + 200960] = acc_1_6;
  }
  if (i0 + 1 < 256 && j0 + 7 < 10) {
    a_grads[(i0 + 1) * 10 + (j0 + 7) + 200960] = acc_1_7;
  }
  if (i0 + 2 < 256 && j0 + 0 < 10) {
    a_grads[(i0 + 2) * 10 + (j0 + 0) + 200960] = acc_2_0;
  }
  if (i0 + 2 < 256 && j0 + 1 < 10) {
    a_grads[(i0 + 2) * 10 + (j0 + 1) + 200960] = acc_2_1;
  }
  if (i0 + 2 < 256 && j0 + 2 < 10) {
    a_grads[(i0 + 2) * 10 + (j0 + 2) + 200960] = acc_2_2;
  }
  if (i0 + 2 < 256 && j0 + 3 < 10) {
    a_grads[(i0 + 2) * 10 + (j0 + 3) + 200960] = acc_2_3;
  }
  if (i0 + 2 < 256 && j0 + 4 < 10) {
    a_grads[(i0 + 2) * 10 + (j0 + 4) + 200960] = acc_2_4;
  }
  if (i0 + 2 < 256 && j0 + 5 < 10) {
    a_grads[(i0 + 2) * 10 + (j0 + 5) + 200960] = acc_2_5;
  }
  if (i0 + 2 < 256 && j0 + 6 < 10) {
    a_grads[(i0 + 2) * 10 + (j0 + 6) + 200960] = acc_2_6;
  }
  if (i0 + 2 < 256 && j0 + 7 < 10) {
    a_grads[(i0 + 2) * 10 + (j0 + 7) + 200960] = acc_2_7;
  }
  if (i0 + 3 < 256 && j0 + 0 < 10) {
    a_grads[(i0 + 3) * 10 + (j0 + 0) + 200960] = acc_3_0;
  }
  if (i0 + 3 < 256 && j0 + 1 < 10) {
    a_grads[(i0 + 3) * 10 + (j0 + 1) + 200960] = acc_3_1;
  }
  if (i0 + 3 < 256 && j0 + 2 < 10) {
    a_grads[(i0 + 3) * 10 + (j0 + 2) + 200960] = acc_3_2;
  }
  if (i0 + 3 < 256 && j0 + 3 < 10) {
    a_grads[(i0 + 3) * 10 + (j0 + 3) + 200960] = acc_3_3;
  }
  if (i0 + 3 < 256 && j0 + 4 < 10) {
    a_grads[(i0 + 3) * 10 + (j0 + 4) + 200960] = acc_3_4;
  }
  if (i0 + 3 < 256 && j0 + 5 < 10) {
    a_grads[(i0 + 3) * 10 + (j0 + 5) + 200960] = acc_3_5;
  }
  if (i0 + 3 < 256 && j0 + 6 < 10) {
    a_grads[(i0 + 3) * 10 + (j0 + 6) + 200960] = acc_3_6;
  }
  if (i0 + 3 < 256 && j0 + 7 < 10) {
    a_grads[(i0 + 3) * 10 + (j0 + 7) + 200960] = acc_3_7;
  }
}

// ----------------------------------------------------------------------
// k14_add_const_mul_sub: 21 fused ops, output f32[128,256]
//   %6 add[128,256]  examples/mnist-mlp.grove:14:41
//   %7 const[]  examples/mnist-mlp.grove:8:14
//   %8 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %9 const[]  examples/mnist-mlp.grove:8:67
//   %11 const[]  examples/mnist-mlp.grove:8:54
//   %14 const[]  examples/mnist-mlp.grove:8:34
//   %17 const[]  examples/mnist-mlp.grove:8:25
//   %18 add[128,256]  examples/mnist-mlp.grove:8:24
//   %52 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %53 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %54 mul[128,256]  examples/mnist-mlp.grove:8:29
//   %55 sub[128,256]  examples/mnist-mlp.grove:8:29
//   %56 mul[128,256]  examples/mnist-mlp.grove:8:29
//   %57 mul[128,256]  examples/mnist-mlp.grove:8:34
//   %58 mul[128,256]  examples/mnist-mlp.grove:8:54
//   %59 mul[128,256]  examples/mnist-mlp.grove:8:65
//   %60 mul[128,256]  examples/mnist-mlp.grove:8:65
//   %61 mul[128,256]  examples/mnist-mlp.grove:8:65
//   %62 add[128,256]  examples/mnist-mlp.grove:8:65
//   %63 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %64 add[128,256]  examples/mnist-mlp.grove:8:14
// one invocation per output element: 32768 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 32768) { return; }
  let i0 = (t / 256);
  let i1 = (t % 256);
  let v2 = a_temps[i0 * 256 + i1 + 68352];
  let v3 = a_temps[i0 * 256 + i1];
  let v4 = a_params[i1 + 200704];
  let v5 = v3 + v4;
  let v6 = 0.5 * v5;
  let v7 = v2 * v6;
  let v8 = a_temps[i0 * 256 + i1 + 32768];
  let v9 = v8 * v8;
  let v10 = 1.0 - v9;
  let v11 = v7 * v10;
  let v12 = v11 * 0.7978845834732056;
  let v13 = v12 * 0.044714998453855515;
  let v14 = v5 * v5;
  let v15 = 3.0 * v14;
  let v16 = v13 * v15;
  let v17 = v12 + v16;
  let v18 = 1.0 + v8;
  let v19 = v2 * v18;
  let v20 = v19 * 0.5;
  let v21 = v17 + v20;
  a_temps[t + 101120] = v21;
}

// ----------------------------------------------------------------------
// k15_sum: 1 fused op, output f32[256]
//   %65 sum[256]  examples/mnist-mlp.grove:14:41
// one invocation per output element: 256 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_grads: array<f32>;
@group(0) @binding(1) var<storage, read> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 256) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 128; r1++) {
    let v2 = a_temps[r1 * 256 + t + 101120];
    acc0 = acc0 + v2;
  }
  a_grads[t + 200704] = acc0;
}

// ----------------------------------------------------------------------
// k16_transpose_matmul: 2 fused ops, output f32[784,256]
//   %66 transpose[784,128]  examples/mnist-mlp.grove:14:41
//   %67 matmul[784,256]  examples/mnist-mlp.grove:14:41
// 8x8 output tile per invocation: 3136 invocations (1 x 98 x 32) in workgroups of 64, k = 128

@group(0) @binding(0) var<storage, read_write> a_grads: array<f32>;
@group(0) @binding(1) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(2) var<storage, read> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 3136) { return; }
  let i0 = ((t / 32) % 98) * 8;
  let j0 = (t % 32) * 8;
  let m0 = min(i0 + 0, 783);
  let m1 = min(i0 + 1, 783);
  let m2 = min(i0 + 2, 783);
  let m3 = min(i0 + 3, 783);
  let m4 = min(i0 + 4, 783);
  let m5 = min(i0 + 5, 783);
  let m6 = min(i0 + 6, 783);
  let m7 = min(i0 + 7, 783);
  let n8 = min(j0 + 0, 255);
  let n9 = min(j0 + 1, 255);
  let n10 = min(j0 + 2, 255);
  let n11 = min(j0 + 3, 255);
  let n12 = min(j0 + 4, 255);
  let n13 = min(j0 + 5, 255);
  let n14 = min(j0 + 6, 255);
  let n15 = min(j0 + 7, 255);
  var acc_0_0 = 0.0;
  var acc_0_1 = 0.0;
  var acc_0_2 = 0.0;
  var acc_0_3 = 0.0;
  var acc_0_4 = 0.0;
  var acc_0_5 = 0.0;
  var acc_0_6 = 0.0;
  var acc_0_7 = 0.0;
  var acc_1_0 = 0.0;
  var acc_1_1 = 0.0;
  var acc_1_2 = 0.0;
  var acc_1_3 = 0.0;
  var acc_1_4 = 0.0;
  var acc_1_5 = 0.0;
  var acc_1_6 = 0.0;
  var acc_1_7 = 0.0;
  var acc_2_0 = 0.0;
  var acc_2_1 = 0.0;
  var acc_2_2 = 0.0;
  var acc_2_3 = 0.0;
  var acc_2_4 = 0.0;
  var acc_2_5 = 0.0;
  var acc_2_6 = 0.0;
  var acc_2_7 = 0.0;
  var acc_3_0 = 0.0;
  var acc_3_1 = 0.0;
  var acc_3_2 = 0.0;
  var acc_3_3 = 0.0;
  var acc_3_4 = 0.0;
  var acc_3_5 = 0.0;
  var acc_3_6 = 0.0;
  var acc_3_7 = 0.0;
  var acc_4_0 = 0.0;
  var acc_4_1 = 0.0;
  var acc_4_2 = 0.0;
  var acc_4_3 = 0.0;
  var acc_4_4 = 0.0;
  var acc_4_5 = 0.0;
  var acc_4_6 = 0.0;
  var acc_4_7 = 0.0;
  var acc_5_0 = 0.0;
  var acc_5_1 = 0.0;
  var acc_5_2 = 0.0;
  var acc_5_3 = 0.0;
  var acc_5_4 = 0.0;
  var acc_5_5 = 0.0;
  var acc_5_6 = 0.0;
  var acc_5_7 = 0.0;
  var acc_6_0 = 0.0;
  var acc_6_1 = 0.0;
  var acc_6_2 = 0.0;
  var acc_6_3 = 0.0;
  var acc_6_4 = 0.0;
  var acc_6_5 = 0.0;
  var acc_6_6 = 0.0;
  var acc_6_7 = 0.0;
  var acc_7_0 = 0.0;
  var acc_7_1 = 0.0;
  var acc_7_2 = 0.0;
  var acc_7_3 = 0.0;
  var acc_7_4 = 0.0;
  var acc_7_5 = 0.0;
  var acc_7_6 = 0.0;
  var acc_7_7 = 0.0;
  for (var k = 0; k < 128; k++) {
    let v16 = a_inputs[k * 784 + m0];
    let v17 = a_inputs[k * 784 + m1];
    let v18 = a_inputs[k * 784 + m2];
    let v19 = a_inputs[k * 784 + m3];
    let v20 = a_inputs[k * 784 + m4];
    let v21 = a_inputs[k * 784 + m5];
    let v22 = a_inputs[k * 784 + m6];
    let v23 = a_inputs[k * 784 + m7];
    let v24 = a_temps[k * 256 + n8 + 101120];
    let v25 = a_temps[k * 256 + n9 + 101120];
    let v26 = a_temps[k * 256 + n10 + 101120];
    let v27 = a_temps[k * 256 + n11 + 101120];
    let v28 = a_temps[k * 256 + n12 + 101120];
    let v29 = a_temps[k * 256 + n13 + 101120];
    let v30 = a_temps[k * 256 + n14 + 101120];
    let v31 = a_temps[k * 256 + n15 + 101120];
    acc_0_0 = fma(v16, v24, acc_0_0);
    acc_0_1 = fma(v16, v25, acc_0_1);
    acc_0_2 = fma(v16, v26, acc_0_2);
    acc_0_3 = fma(v16, v27, acc_0_3);
    acc_0_4 = fma(v16, v28, acc_0_4);
    acc_0_5 = fma(v16, v29, acc_0_5);
    acc_0_6 = fma(v16, v30, acc_0_6);
    acc_0_7 = fma(v16, v31, acc_0_7);
    acc_1_0 = fma(v17, v24, acc_1_0);
    acc_1_1 = fma(v17, v25, acc_1_1);
    acc_1_2 = fma(v17, v26, acc_1_2);
    acc_1_3 = fma(v17, v27, acc_1_3);
    acc_1_4 = fma(v17, v28, acc_1_4);
    acc_1_5 = fma(v17, v29, acc_1_5);
    acc_1_6 = fma(v17, v30, acc_1_6);
    acc_1_7 = fma(v17, v31, acc_1_7);
    acc_2_0 = fma(v18, v24, acc_2_0);
    acc_2_1 = fma(v18, v25, acc_2_1);
    acc_2_2 = fma(v18, v26, acc_2_2);
    acc_2_3 = fma(v18, v27, acc_2_3);
    acc_2_4 = fma(v18, v28, acc_2_4);
    acc_2_5 = fma(v18, v29, acc_2_5);
    acc_2_6 = fma(v18, v30, acc_2_6);
    acc_2_7 = fma(v18, v31, acc_2_7);
    acc_3_0 = fma(v19, v24, acc_3_0);
    acc_3_1 = fma(v19, v25, acc_3_1);
    acc_3_2 = fma(v19, v26, acc_3_2);
    acc_3_3 = fma(v19, v27, acc_3_3);
    acc_3_4 = fma(v19, v28, acc_3_4);
    acc_3_5 = fma(v19, v29, acc_3_5);
    acc_3_6 = fma(v19, v30, acc_3_6);
    acc_3_7 = fma(v19, v31, acc_3_7);
    acc_4_0 = fma(v20, v24, acc_4_0);
    acc_4_1 = fma(v20, v25, acc_4_1);
    acc_4_2 = fma(v20, v26, acc_4_2);
    acc_4_3 = fma(v20, v27, acc_4_3);
    acc_4_4 = fma(v20, v28, acc_4_4);
    acc_4_5 = fma(v20, v29, acc_4_5);
    acc_4_6 = fma(v20, v30, acc_4_6);
    acc_4_7 = fma(v20, v31, acc_4_7);
    acc_5_0 = fma(v21, v24, acc_5_0);
    acc_5_1 = fma(v21, v25, acc_5_1);
    acc_5_2 = fma(v21, v26, acc_5_2);
    acc_5_3 = fma(v21, v27, acc_5_3);
    acc_5_4 = fma(v21, v28, acc_5_4);
    acc_5_5 = fma(v21, v29, acc_5_5);
    acc_5_6 = fma(v21, v30, acc_5_6);
    acc_5_7 = fma(v21, v31, acc_5_7);
    acc_6_0 = fma(v22, v24, acc_6_0);
    acc_6_1 = fma(v22, v25, acc_6_1);
    acc_6_2 = fma(v22, v26, acc_6_2);
    acc_6_3 = fma(v22, v27, acc_6_3);
    acc_6_4 = fma(v22, v28, acc_6_4);
    acc_6_5 = fma(v22, v29, acc_6_5);
    acc_6_6 = fma(v22, v30, acc_6_6);
    acc_6_7 = fma(v22, v31, acc_6_7);
    acc_7_0 = fma(v23, v24, acc_7_0);
    acc_7_1 = fma(v23, v25, acc_7_1);
    acc_7_2 = fma(v23, v26, acc_7_2);
    acc_7_3 = fma(v23, v27, acc_7_3);
    acc_7_4 = fma(v23, v28, acc_7_4);
    acc_7_5 = fma(v23, v29, acc_7_5);
    acc_7_6 = fma(v23, v30, acc_7_6);
    acc_7_7 = fma(v23, v31, acc_7_7);
  }
  if (i0 + 0 < 784 && j0 + 0 < 256) {
    a_grads[(i0 + 0) * 256 + (j0 + 0)] = acc_0_0;
  }
  if (i0 + 0 < 784 && j0 + 1 < 256) {
    a_grads[(i0 + 0) * 256 + (j0 + 1)] = acc_0_1;
  }
  if (i0 + 0 < 784 && j0 + 2 < 256) {
    a_grads[(i0 + 0) * 256 + (j0 + 2)] = acc_0_2;
  }
  if (i0 + 0 < 784 && j0 + 3 < 256) {
    a_grads[(i0 + 0) * 256 + (j0 + 3)] = acc_0_3;
  }
  if (i0 + 0 < 784 && j0 + 4 < 256) {
    a_grads[(i0 + 0) * 256 + (j0 + 4)] = acc_0_4;
  }
  if (i0 + 0 < 784 && j0 + 5 < 256) {
    a_grads[(i0 + 0) * 256 + (j0 + 5)] = acc_0_5;
  }
  if (i0 + 0 < 784 && j0 + 6 < 256) {
    a_grads[(i0 + 0) * 256 + (j0 + 6)] = acc_0_6;
  }
  if (i0 + 0 < 784 && j0 + 7 < 256) {
    a_grads[(i0 + 0) * 256 + (j0 + 7)] = acc_0_7;
  }
  if (i0 + 1 < 784 && j0 + 0 < 256) {
    a_grads[(i0 + 1) * 256 + (j0 + 0)] = acc_1_0;
  }
  if (i0 + 1 < 784 && j0 + 1 < 256) {
    a_grads[(i0 + 1) * 256 + (j0 + 1)] = acc_1_1;
  }
  if (i0 + 1 < 784 && j0 + 2 < 256) {
    a_grads[(i0 + 1) * 256 + (j0 + 2)] = acc_1_2;
  }
  if (i0 + 1 < 784 && j0 + 3 < 256) {
    a_grads[(i0 + 1) * 256 + (j0 + 3)] = acc_1_3;
  }
  if (i0 + 1 < 784 && j0 + 4 < 256) {
    a_grads[(i0 + 1) * 256 + (j0 + 4)] = acc_1_4;
  }
  if (i0 + 1 < 784 && j0 + 5 < 256) {
    a_grads[(i0 + 1) * 256 + (j0 + 5)] = acc_1_5;
  }
  if (i0 + 1 < 784 && j0 + 6 < 256) {
    a_grads[(i0 + 1) * 256 + (j0 + 6)] = acc_1_6;
  }
  if (i0 + 1 < 784 && j0 + 7 < 256) {
    a_grads[(i0 + 1) * 256 + (j0 + 7)] = acc_1_7;
  }
  if (i0 + 2 < 784 && j0 + 0 < 256) {
    a_grads[(i0 + 2) * 256 + (j0 + 0)] = acc_2_0;
  }
  if (i0 + 2 < 784 && j0 + 1 < 256) {
    a_grads[(i0 + 2) * 256 + (j0 + 1)] = acc_2_1;
  }
  if (i0 + 2 < 784 && j0 + 2 < 256) {
    a_grads[(i0 + 2) * 256 + (j0 + 2)] = acc_2_2;
  }
  if (i0 + 2 < 784 && j0 + 3 < 256) {
    a_grads[(i0 + 2) * 256 + (j0 + 3)] = acc_2_3;
  }
  if (i0 + 2 < 784 && j0 + 4 < 256) {
    a_grads[(i0 + 2) * 256 + (j0 + 4)] = acc_2_4;
  }
  if (i0 + 2 < 784 && j0 + 5 < 256) {
    a_grads[(i0 + 2) * 256 + (j0 + 5)] = acc_2_5;
  }
  if (i0 + 2 < 784 && j0 + 6 < 256) {
    a_grads[(i0 + 2) * 256 + (j0 + 6)] = acc_2_6;
  }
  if (i0 + 2 < 784 && j0 + 7 < 256) {
    a_grads[(i0 + 2) * 256 + (j0 + 7)] = acc_2_7;
  }
  if (i0 + 3 < 784 && j0 + 0 < 256) {
    a_grads[(i0 + 3) * 256 + (j0 + 0)] = acc_3_0;
  }
  if (i0 + 3 < 784 && j0 + 1 < 256) {
    a_grads[(i0 + 3) * 256 + (j0 + 1)] = acc_3_1;
  }
  if (i0 + 3 < 784 && j0 + 2 < 256) {
    a_grads[(i0 + 3) * 256 + (j0 + 2)] = acc_3_2;
  }
  if (i0 + 3 < 784 && j0 + 3 < 256) {
    a_grads[(i0 + 3) * 256 + (j0 + 3)] = acc_3_3;
  }
  if (i0 + 3 < 784 && j0 + 4 < 256) {
    a_grads[(i0 + 3) * 256 + (j0 + 4)] = acc_3_4;
  }
  if (i0 + 3 < 784 && j0 + 5 < 256) {
    a_grads[(i0 + 3) * 256 + (j0 + 5)] = acc_3_5;
  }
  if (i0 + 3 < 784 && j0 + 6 < 256) {
    a_grads[(i0 + 3) * 256 + (j0 + 6)] = acc_3_6;
  }
  if (i0 + 3 < 784 && j0 + 7 < 256) {
    a_grads[(i0 + 3) * 256 + (j0 + 7)] = acc_3_7;
  }
  if (i0 + 4 < 784 && j0 + 0 < 256) {
    a_grads[(i0 + 4) * 256 + (j0 + 0)] = acc_4_0;
  }
  if (i0 + 4 < 784 && j0 + 1 < 256) {
    a_grads[(i0 + 4) * 256 + (j0 + 1)] = acc_4_1;
  }
  if (i0 + 4 < 784 && j0 + 2 < 256) {
    a_grads[(i0 + 4) * 256 + (j0 + 2)] = acc_4_2;
  }
  if (i0 + 4 < 784 && j0 + 3 < 256) {
    a_grads[(i0 + 4) * 256 + (j0 + 3)] = acc_4_3;
  }
  if (i0 + 4 < 784 && j0 + 4 < 256) {
    a_grads[(i0 + 4) * 256 + (j0 + 4)] = acc_4_4;
  }
  if (i0 + 4 < 784 && j0 + 5 < 256) {
    a_grads[(i0 + 4) * 256 + (j0 + 5)] = acc_4_5;
  }
  if (i0 + 4 < 784 && j0 + 6 < 256) {
    a_grads[(i0 + 4) * 256 + (j0 + 6)] = acc_4_6;
  }
  if (i0 + 4 < 784 && j0 + 7 < 256) {
    a_grads[(i0 + 4) * 256 + (j0 + 7)] = acc_4_7;
  }
  if (i0 + 5 < 784 && j0 + 0 < 256) {
    a_grads[(i0 + 5) * 256 + (j0 + 0)] = acc_5_0;
  }
  if (i0 + 5 < 784 && j0 + 1 < 256) {
    a_grads[(i0 + 5) * 256 + (j0 + 1)] = acc_5_1;
  }
  if (i0 + 5 < 784 && j0 + 2 < 256) {
    a_grads[(i0 + 5) * 256 + (j0 + 2)] = acc_5_2;
  }
  if (i0 + 5 < 784 && j0 + 3 < 256) {
    a_grads[(i0 + 5) * 256 + (j0 + 3)] = acc_5_3;
  }
  if (i0 + 5 < 784 && j0 + 4 < 256) {
    a_grads[(i0 + 5) * 256 + (j0 + 4)] = acc_5_4;
  }
  if (i0 + 5 < 784 && j0 + 5 < 256) {
    a_grads[(i0 + 5) * 256 + (j0 + 5)] = acc_5_5;
  }
  if (i0 + 5 < 784 && j0 + 6 < 256) {
    a_grads[(i0 + 5) * 256 + (j0 + 6)] = acc_5_6;
  }
  if (i0 + 5 < 784 && j0 + 7 < 256) {
    a_grads[(i0 + 5) * 256 + (j0 + 7)] = acc_5_7;
  }
  if (i0 + 6 < 784 && j0 + 0 < 256) {
    a_grads[(i0 + 6) * 256 + (j0 + 0)] = acc_6_0;
  }
  if (i0 + 6 < 784 && j0 + 1 < 256) {
    a_grads[(i0 + 6) * 256 + (j0 + 1)] = acc_6_1;
  }
  if (i0 + 6 < 784 && j0 + 2 < 256) {
    a_grads[(i0 + 6) * 256 + (j0 + 2)] = acc_6_2;
  }
  if (i0 + 6 < 784 && j0 + 3 < 256) {
    a_grads[(i0 + 6) * 256 + (j0 + 3)] = acc_6_3;
  }
  if (i0 + 6 < 784 && j0 + 4 < 256) {
    a_grads[(i0 + 6) * 256 + (j0 + 4)] = acc_6_4;
  }
  if (i0 + 6 < 784 && j0 + 5 < 256) {
    a_grads[(i0 + 6) * 256 + (j0 + 5)] = acc_6_5;
  }
  if (i0 + 6 < 784 && j0 + 6 < 256) {
    a_grads[(i0 + 6) * 256 + (j0 + 6)] = acc_6_6;
  }
  if (i0 + 6 < 784 && j0 + 7 < 256) {
    a_grads[(i0 + 6) * 256 + (j0 + 7)] = acc_6_7;
  }
  if (i0 + 7 < 784 && j0 + 0 < 256) {
    a_grads[(i0 + 7) * 256 + (j0 + 0)] = acc_7_0;
  }
  if (i0 + 7 < 784 && j0 + 1 < 256) {
    a_grads[(i0 + 7) * 256 + (j0 + 1)] = acc_7_1;
  }
  if (i0 + 7 < 784 && j0 + 2 < 256) {
    a_grads[(i0 + 7) * 256 + (j0 + 2)] = acc_7_2;
  }
  if (i0 + 7 < 784 && j0 + 3 < 256) {
    a_grads[(i0 + 7) * 256 + (j0 + 3)] = acc_7_3;
  }
  if (i0 + 7 < 784 && j0 + 4 < 256) {
    a_grads[(i0 + 7) * 256 + (j0 + 4)] = acc_7_4;
  }
  if (i0 + 7 < 784 && j0 + 5 < 256) {
    a_grads[(i0 + 7) * 256 + (j0 + 5)] = acc_7_5;
  }
  if (i0 + 7 < 784 && j0 + 6 < 256) {
    a_grads[(i0 + 7) * 256 + (j0 + 6)] = acc_7_6;
  }
  if (i0 + 7 < 784 && j0 + 7 < 256) {
    a_grads[(i0 + 7) * 256 + (j0 + 7)] = acc_7_7;
  }
}

// ----------------------------------------------------------------------
// k_adamw: updates all 203532 parameter values in one dispatch
// {"lr":0.001,"weight_decay":0.01,"beta1":0.9,"beta2":0.999,"eps":1e-8}

@group(0) @binding(0) var<storage, read> a_grads: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_params: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_state_m: array<f32>;
@group(0) @binding(3) var<storage, read_write> a_state_v: array<f32>;
struct Step { lr: f32, bc1: f32, bc2: f32, step: f32 }
@group(0) @binding(4) var<uniform> u: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= 203532u) { return; }
  let g = a_grads[i];
  var p = a_params[i];
  let gd = g;
  let m = 0.8999999761581421 * a_state_m[i] + 0.10000000149011612 * gd;
  let v = 0.9990000128746033 * a_state_v[i] + 0.0010000000474974513 * gd * gd;
  a_state_m[i] = m;
  a_state_v[i] = v;
  p = p - u.lr * 0.009999999776482582 * p;
  p = p - u.lr * (m / u.bc1) / (sqrt(v / u.bc2) + 9.99999993922529e-9);
  a_params[i] = p;
}

// ----------------------------------------------------------------------
// k17_matmul: 1 fused op, output f32[128,256]
//   %5 matmul[128,256]  examples/mnist-mlp.grove:14:41
// 8x8 output tile per invocation: 512 invocations (1 x 16 x 32) in workgroups of 64, k = 784

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_params: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 512) { return; }
  let i0 = ((t / 32) % 16) * 8;
  let j0 = (t % 32) * 8;
  let m0 = min(i0 + 0, 127);
  let m1 = min(i0 + 1, 127);
  let m2 = min(i0 + 2, 127);
  let m3 = min(i0 + 3, 127);
  let m4 = min(i0 + 4, 127);
  let m5 = min(i0 + 5, 127);
  let m6 = min(i0 + 6, 127);
  let m7 = min(i0 + 7, 127);
  let n8 = min(j0 + 0, 255);
  let n9 = min(j0 + 1, 255);
  let n10 = min(j0 + 2, 255);
  let n11 = min(j0 + 3, 255);
  let n12 = min(j0 + 4, 255);
  let n13 = min(j0 + 5, 255);
  let n14 = min(j0 + 6, 255);
  let n15 = min(j0 + 7, 255);
  var acc_0_0 = 0.0;
  var acc_0_1 = 0.0;
  var acc_0_2 = 0.0;
  var acc_0_3 = 0.0;
  var acc_0_4 = 0.0;
  var acc_0_5 = 0.0;
  var acc_0_6 = 0.0;
  var acc_0_7 = 0.0;
  var acc_1_0 = 0.0;
  var acc_1_1 = 0.0;
  var acc_1_2 = 0.0;
  var acc_1_3 = 0.0;
  var acc_1_4 = 0.0;
  var acc_1_5 = 0.0;
  var acc_1_6 = 0.0;
  var acc_1_7 = 0.0;
  var acc_2_0 = 0.0;
  var acc_2_1 = 0.0;
  var acc_2_2 = 0.0;
  var acc_2_3 = 0.0;
  var acc_2_4 = 0.0;
  var acc_2_5 = 0.0;
  var acc_2_6 = 0.0;
  var acc_2_7 = 0.0;
  var acc_3_0 = 0.0;
  var acc_3_1 = 0.0;
  var acc_3_2 = 0.0;
  var acc_3_3 = 0.0;
  var acc_3_4 = 0.0;
  var acc_3_5 = 0.0;
  var acc_3_6 = 0.0;
  var acc_3_7 = 0.0;
  var acc_4_0 = 0.0;
  var acc_4_1 = 0.0;
  var acc_4_2 = 0.0;
  var acc_4_3 = 0.0;
  var acc_4_4 = 0.0;
  var acc_4_5 = 0.0;
  var acc_4_6 = 0.0;
  var acc_4_7 = 0.0;
  var acc_5_0 = 0.0;
  var acc_5_1 = 0.0;
  var acc_5_2 = 0.0;
  var acc_5_3 = 0.0;
  var acc_5_4 = 0.0;
  var acc_5_5 = 0.0;
  var acc_5_6 = 0.0;
  var acc_5_7 = 0.0;
  var acc_6_0 = 0.0;
  var acc_6_1 = 0.0;
  var acc_6_2 = 0.0;
  var acc_6_3 = 0.0;
  var acc_6_4 = 0.0;
  var acc_6_5 = 0.0;
  var acc_6_6 = 0.0;
  var acc_6_7 = 0.0;
  var acc_7_0 = 0.0;
  var acc_7_1 = 0.0;
  var acc_7_2 = 0.0;
  var acc_7_3 = 0.0;
  var acc_7_4 = 0.0;
  var acc_7_5 = 0.0;
  var acc_7_6 = 0.0;
  var acc_7_7 = 0.0;
  for (var k = 0; k < 784; k++) {
    let v16 = a_inputs[m0 * 784 + k];
    let v17 = a_inputs[m1 * 784 + k];
    let v18 = a_inputs[m2 * 784 + k];
    let v19 = a_inputs[m3 * 784 + k];
    let v20 = a_inputs[m4 * 784 + k];
    let v21 = a_inputs[m5 * 784 + k];
    let v22 = a_inputs[m6 * 784 + k];
    let v23 = a_inputs[m7 * 784 + k];
    let v24 = a_params[k * 256 + n8];
    let v25 = a_params[k * 256 + n9];
    let v26 = a_params[k * 256 + n10];
    let v27 = a_params[k * 256 + n11];
    let v28 = a_params[k * 256 + n12];
    let v29 = a_params[k * 256 + n13];
    let v30 = a_params[k * 256 + n14];
    let v31 = a_params[k * 256 + n15];
    acc_0_0 = fma(v16, v24, acc_0_0);
    acc_0_1 = fma(v16, v25, acc_0_1);
    acc_0_2 = fma(v16, v26, acc_0_2);
    acc_0_3 = fma(v16, v27, acc_0_3);
    acc_0_4 = fma(v16, v28, acc_0_4);
    acc_0_5 = fma(v16, v29, acc_0_5);
    acc_0_6 = fma(v16, v30, acc_0_6);
    acc_0_7 = fma(v16, v31, acc_0_7);
    acc_1_0 = fma(v17, v24, acc_1_0);
    acc_1_1 = fma(v17, v25, acc_1_1);
    acc_1_2 = fma(v17, v26, acc_1_2);
    acc_1_3 = fma(v17, v27, acc_1_3);
    acc_1_4 = fma(v17, v28, acc_1_4);
    acc_1_5 = fma(v17, v29, acc_1_5);
    acc_1_6 = fma(v17, v30, acc_1_6);
    acc_1_7 = fma(v17, v31, acc_1_7);
    acc_2_0 = fma(v18, v24, acc_2_0);
    acc_2_1 = fma(v18, v25, acc_2_1);
    acc_2_2 = fma(v18, v26, acc_2_2);
    acc_2_3 = fma(v18, v27, acc_2_3);
    acc_2_4 = fma(v18, v28, acc_2_4);
    acc_2_5 = fma(v18, v29, acc_2_5);
    acc_2_6 = fma(v18, v30, acc_2_6);
    acc_2_7 = fma(v18, v31, acc_2_7);
    acc_3_0 = fma(v19, v24, acc_3_0);
    acc_3_1 = fma(v19, v25, acc_3_1);
    acc_3_2 = fma(v19, v26, acc_3_2);
    acc_3_3 = fma(v19, v27, acc_3_3);
    acc_3_4 = fma(v19, v28, acc_3_4);
    acc_3_5 = fma(v19, v29, acc_3_5);
    acc_3_6 = fma(v19, v30, acc_3_6);
    acc_3_7 = fma(v19, v31, acc_3_7);
    acc_4_0 = fma(v20, v24, acc_4_0);
    acc_4_1 = fma(v20, v25, acc_4_1);
    acc_4_2 = fma(v20, v26, acc_4_2);
    acc_4_3 = fma(v20, v27, acc_4_3);
    acc_4_4 = fma(v20, v28, acc_4_4);
    acc_4_5 = fma(v20, v29, acc_4_5);
    acc_4_6 = fma(v20, v30, acc_4_6);
    acc_4_7 = fma(v20, v31, acc_4_7);
    acc_5_0 = fma(v21, v24, acc_5_0);
    acc_5_1 = fma(v21, v25, acc_5_1);
    acc_5_2 = fma(v21, v26, acc_5_2);
    acc_5_3 = fma(v21, v27, acc_5_3);
    acc_5_4 = fma(v21, v28, acc_5_4);
    acc_5_5 = fma(v21, v29, acc_5_5);
    acc_5_6 = fma(v21, v30, acc_5_6);
    acc_5_7 = fma(v21, v31, acc_5_7);
    acc_6_0 = fma(v22, v24, acc_6_0);
    acc_6_1 = fma(v22, v25, acc_6_1);
    acc_6_2 = fma(v22, v26, acc_6_2);
    acc_6_3 = fma(v22, v27, acc_6_3);
    acc_6_4 = fma(v22, v28, acc_6_4);
    acc_6_5 = fma(v22, v29, acc_6_5);
    acc_6_6 = fma(v22, v30, acc_6_6);
    acc_6_7 = fma(v22, v31, acc_6_7);
    acc_7_0 = fma(v23, v24, acc_7_0);
    acc_7_1 = fma(v23, v25, acc_7_1);
    acc_7_2 = fma(v23, v26, acc_7_2);
    acc_7_3 = fma(v23, v27, acc_7_3);
    acc_7_4 = fma(v23, v28, acc_7_4);
    acc_7_5 = fma(v23, v29, acc_7_5);
    acc_7_6 = fma(v23, v30, acc_7_6);
    acc_7_7 = fma(v23, v31, acc_7_7);
  }
  if (i0 + 0 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 0)] = acc_0_0;
  }
  if (i0 + 0 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 1)] = acc_0_1;
  }
  if (i0 + 0 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 2)] = acc_0_2;
  }
  if (i0 + 0 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 3)] = acc_0_3;
  }
  if (i0 + 0 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 4)] = acc_0_4;
  }
  if (i0 + 0 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 5)] = acc_0_5;
  }
  if (i0 + 0 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 6)] = acc_0_6;
  }
  if (i0 + 0 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 0) * 256 + (j0 + 7)] = acc_0_7;
  }
  if (i0 + 1 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 0)] = acc_1_0;
  }
  if (i0 + 1 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 1)] = acc_1_1;
  }
  if (i0 + 1 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 2)] = acc_1_2;
  }
  if (i0 + 1 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 3)] = acc_1_3;
  }
  if (i0 + 1 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 4)] = acc_1_4;
  }
  if (i0 + 1 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 5)] = acc_1_5;
  }
  if (i0 + 1 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 6)] = acc_1_6;
  }
  if (i0 + 1 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 1) * 256 + (j0 + 7)] = acc_1_7;
  }
  if (i0 + 2 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 0)] = acc_2_0;
  }
  if (i0 + 2 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 1)] = acc_2_1;
  }
  if (i0 + 2 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 2)] = acc_2_2;
  }
  if (i0 + 2 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 3)] = acc_2_3;
  }
  if (i0 + 2 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 4)] = acc_2_4;
  }
  if (i0 + 2 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 5)] = acc_2_5;
  }
  if (i0 + 2 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 6)] = acc_2_6;
  }
  if (i0 + 2 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 2) * 256 + (j0 + 7)] = acc_2_7;
  }
  if (i0 + 3 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 0)] = acc_3_0;
  }
  if (i0 + 3 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 1)] = acc_3_1;
  }
  if (i0 + 3 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 2)] = acc_3_2;
  }
  if (i0 + 3 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 3)] = acc_3_3;
  }
  if (i0 + 3 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 4)] = acc_3_4;
  }
  if (i0 + 3 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 5)] = acc_3_5;
  }
  if (i0 + 3 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 6)] = acc_3_6;
  }
  if (i0 + 3 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 3) * 256 + (j0 + 7)] = acc_3_7;
  }
  if (i0 + 4 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 0)] = acc_4_0;
  }
  if (i0 + 4 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 1)] = acc_4_1;
  }
  if (i0 + 4 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 2)] = acc_4_2;
  }
  if (i0 + 4 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 3)] = acc_4_3;
  }
  if (i0 + 4 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 4)] = acc_4_4;
  }
  if (i0 + 4 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 5)] = acc_4_5;
  }
  if (i0 + 4 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 6)] = acc_4_6;
  }
  if (i0 + 4 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 4) * 256 + (j0 + 7)] = acc_4_7;
  }
  if (i0 + 5 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 0)] = acc_5_0;
  }
  if (i0 + 5 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 1)] = acc_5_1;
  }
  if (i0 + 5 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 2)] = acc_5_2;
  }
  if (i0 + 5 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 3)] = acc_5_3;
  }
  if (i0 + 5 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 4)] = acc_5_4;
  }
  if (i0 + 5 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 5)] = acc_5_5;
  }
  if (i0 + 5 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 6)] = acc_5_6;
  }
  if (i0 + 5 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 5) * 256 + (j0 + 7)] = acc_5_7;
  }
  if (i0 + 6 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 0)] = acc_6_0;
  }
  if (i0 + 6 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 1)] = acc_6_1;
  }
  if (i0 + 6 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 2)] = acc_6_2;
  }
  if (i0 + 6 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 3)] = acc_6_3;
  }
  if (i0 + 6 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 4)] = acc_6_4;
  }
  if (i0 + 6 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 5)] = acc_6_5;
  }
  if (i0 + 6 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 6)] = acc_6_6;
  }
  if (i0 + 6 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 6) * 256 + (j0 + 7)] = acc_6_7;
  }
  if (i0 + 7 < 128 && j0 + 0 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 0)] = acc_7_0;
  }
  if (i0 + 7 < 128 && j0 + 1 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 1)] = acc_7_1;
  }
  if (i0 + 7 < 128 && j0 + 2 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 2)] = acc_7_2;
  }
  if (i0 + 7 < 128 && j0 + 3 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 3)] = acc_7_3;
  }
  if (i0 + 7 < 128 && j0 + 4 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 4)] = acc_7_4;
  }
  if (i0 + 7 < 128 && j0 + 5 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 5)] = acc_7_5;
  }
  if (i0 + 7 < 128 && j0 + 6 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 6)] = acc_7_6;
  }
  if (i0 + 7 < 128 && j0 + 7 < 256) {
    a_temps[(i0 + 7) * 256 + (j0 + 7)] = acc_7_7;
  }
}

// ----------------------------------------------------------------------
// k18_add_const_mul_pow: 16 fused ops, output f32[128,10]
//   %6 add[128,256]  examples/mnist-mlp.grove:14:41
//   %7 const[]  examples/mnist-mlp.grove:8:14
//   %8 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %9 const[]  examples/mnist-mlp.grove:8:67
//   %10 pow[128,256]  examples/mnist-mlp.grove:8:65
//   %11 const[]  examples/mnist-mlp.grove:8:54
//   %12 mul[128,256]  examples/mnist-mlp.grove:8:54
//   %13 add[128,256]  examples/mnist-mlp.grove:8:49
//   %14 const[]  examples/mnist-mlp.grove:8:34
//   %15 mul[128,256]  examples/mnist-mlp.grove:8:34
//   %16 tanh[128,256]  examples/mnist-mlp.grove:8:29
//   %17 const[]  examples/mnist-mlp.grove:8:25
//   %18 add[128,256]  examples/mnist-mlp.grove:8:24
//   %19 mul[128,256]  examples/mnist-mlp.grove:8:14
//   %20 matmul[128,10]  examples/mnist-mlp.grove:14:41
//   %21 add[128,10]  examples/mnist-mlp.grove:14:41
// 2x4 output tile per invocation: 192 invocations (1 x 64 x 3) in workgroups of 64, k = 256

@group(0) @binding(0) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_params: array<f32>;
@group(0) @binding(2) var<storage, read> a_temps: array<f32>;

fn g_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a >= 0.0) { return pow(a, b); }
  if (b != round(b)) { return sqrt(a); }
  let m = pow(-a, b);
  return select(m, -m, (abs(b) % 2.0) == 1.0);
}

fn g_tanh(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 192) { return; }
  let i0 = ((t / 3) % 64) * 2;
  let j0 = (t % 3) * 4;
  let m0 = min(i0 + 0, 127);
  let m1 = min(i0 + 1, 127);
  let n2 = min(j0 + 0, 9);
  let n3 = min(j0 + 1, 9);
  let n4 = min(j0 + 2, 9);
  let n5 = min(j0 + 3, 9);
  var acc_0_0 = 0.0;
  var acc_0_1 = 0.0;
  var acc_0_2 = 0.0;
  var acc_0_3 = 0.0;
  var acc_1_0 = 0.0;
  var acc_1_1 = 0.0;
  var acc_1_2 = 0.0;
  var acc_1_3 = 0.0;
  for (var k = 0; k < 256; k++) {
    let v6 = a_temps[m0 * 256 + k];
    let v7 = a_params[k + 200704];
    let v8 = v6 + v7;
    let v9 = 0.5 * v8;
    let v10 = g_pow(v8, 3.0);
    let v11 = 0.044714998453855515 * v10;
    let v12 = v8 + v11;
    let v13 = 0.7978845834732056 * v12;
    let v14 = g_tanh(v13);
    let v15 = 1.0 + v14;
    let v16 = v9 * v15;
    let v17 = a_temps[m1 * 256 + k];
    let v18 = v17 + v7;
    let v19 = 0.5 * v18;
    let v20 = g_pow(v18, 3.0);
    let v21 = 0.044714998453855515 * v20;
    let v22 = v18 + v21;
    let v23 = 0.7978845834732056 * v22;
    let v24 = g_tanh(v23);
    let v25 = 1.0 + v24;
    let v26 = v19 * v25;
    let v27 = a_params[k * 10 + n2 + 200960];
    let v28 = a_params[k * 10 + n3 + 200960];
    let v29 = a_params[k * 10 + n4 + 200960];
    let v30 = a_params[k * 10 + n5 + 200960];
    acc_0_0 = fma(v16, v27, acc_0_0);
    acc_0_1 = fma(v16, v28, acc_0_1);
    acc_0_2 = fma(v16, v29, acc_0_2);
    acc_0_3 = fma(v16, v30, acc_0_3);
    acc_1_0 = fma(v26, v27, acc_1_0);
    acc_1_1 = fma(v26, v28, acc_1_1);
    acc_1_2 = fma(v26, v29, acc_1_2);
    acc_1_3 = fma(v26, v30, acc_1_3);
  }
  if (i0 + 0 < 128 && j0 + 0 < 10) {
    let v31 = a_params[(j0 + 0) + 203520];
    let v32 = acc_0_0 + v31;
    a_outputs[(i0 + 0) * 10 + (j0 + 0)] = v32;
  }
  if (i0 + 0 < 128 && j0 + 1 < 10) {
    let v33 = a_params[(j0 + 1) + 203520];
    let v34 = acc_0_1 + v33;
    a_outputs[(i0 + 0) * 10 + (j0 + 1)] = v34;
  }
  if (i0 + 0 < 128 && j0 + 2 < 10) {
    let v35 = a_params[(j0 + 2) + 203520];
    let v36 = acc_0_2 + v35;
    a_outputs[(i0 + 0) * 10 + (j0 + 2)] = v36;
  }
  if (i0 + 0 < 128 && j0 + 3 < 10) {
    let v37 = a_params[(j0 + 3) + 203520];
    let v38 = acc_0_3 + v37;
    a_outputs[(i0 + 0) * 10 + (j0 + 3)] = v38;
  }
  if (i0 + 1 < 128 && j0 + 0 < 10) {
    let v39 = a_params[(j0 + 0) + 203520];
    let v40 = acc_1_0 + v39;
    a_outputs[(i0 + 1) * 10 + (j0 + 0)] = v40;
  }
  if (i0 + 1 < 128 && j0 + 1 < 10) {
    let v41 = a_params[(j0 + 1) + 203520];
    let v42 = acc_1_1 + v41;
    a_outputs[(i0 + 1) * 10 + (j0 + 1)] = v42;
  }
  if (i0 + 1 < 128 && j0 + 2 < 10) {
    let v43 = a_params[(j0 + 2) + 203520];
    let v44 = acc_1_2 + v43;
    a_outputs[(i0 + 1) * 10 + (j0 + 2)] = v44;
  }
  if (i0 + 1 < 128 && j0 + 3 < 10) {
    let v45 = a_params[(j0 + 3) + 203520];
    let v46 = acc_1_3 + v45;
    a_outputs[(i0 + 1) * 10 + (j0 + 3)] = v46;
  }
}

// ----------------------------------------------------------------------
// k19_max: 1 fused op, output f32[128,1]
//   %24 max[128,1]  std/activations.grove:46:25
// one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_outputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

fn g_bits(b: u32) -> f32 {
  return bitcast<f32>(b);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  var acc0 = g_bits(0xff800000u);
  for (var r1 = 0; r1 < 10; r1++) {
    let v2 = a_outputs[t * 10 + r1];
    acc0 = max(acc0, v2);
  }
  a_temps[t] = acc0;
}

// ----------------------------------------------------------------------
// k20_stop_gradient_sub_exp_sum: 4 fused ops, output f32[128,1]
//   %25 stop_gradient[128,1]  std/activations.grove:46:11
//   %26 sub[128,10]  std/activations.grove:46:7
//   %27 exp[128,10]  std/activations.grove:47:15
//   %28 sum[128,1]  std/activations.grove:47:11
// one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_outputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 10; r1++) {
    let v2 = a_outputs[t * 10 + r1];
    let v3 = a_temps[t];
    let v4 = v2 - v3;
    let v5 = exp(v4);
    acc0 = acc0 + v5;
  }
  a_temps[t + 128] = acc0;
}

// ----------------------------------------------------------------------
// k21_one_hot_stop_gradient_sub_log: 7 fused ops, output f32[128]
//   %23 one_hot[128,10]  std/losses.grove:6:13
//   %25 stop_gradient[128,1]  std/activations.grove:46:11
//   %26 sub[128,10]  std/activations.grove:46:7
//   %29 log[128,1]  std/activations.grove:47:7
//   %30 sub[128,10]  std/activations.grove:47:3
//   %31 mul[128,10]  std/losses.grove:7:13
//   %32 sum[128]  std/losses.grove:7:9
// one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_outputs: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 10; r1++) {
    let v2 = bitcast<i32>(a_inputs[t + 100352]);
    let v3 = select(0.0, 1.0, v2 == r1);
    let v4 = a_outputs[t * 10 + r1];
    let v5 = a_temps[t];
    let v6 = v4 - v5;
    let v7 = a_temps[t + 128];
    let v8 = log(v7);
    let v9 = v6 - v8;
    let v10 = v3 * v9;
    acc0 = acc0 + v10;
  }
  a_temps[t + 256] = acc0;
}

// ----------------------------------------------------------------------
// k22_neg_mean: 2 fused ops, output f32[]
//   %33 neg[128]  std/losses.grove:7:8
//   %34 mean[]  std/losses.grove:7:3
// one invocation per output element: 1 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 1) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 128; r1++) {
    let v2 = a_temps[r1 + 256];
    let v3 = -v2;
    acc0 = acc0 + v3;
  }
  let v4 = acc0 / 128.0;
  a_outputs[t + 1280] = v4;
}

// ----------------------------------------------------------------------
// k23_argmax: 1 fused op, output i32[128]
//   %35 argmax[128]  std/losses.grove:21:36
// one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_outputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 128) { return; }
  let v2 = a_outputs[t * 10];
  var best0 = v2;
  var arg1 = 0;
  for (var r3 = 0; r3 < 10; r3++) {
    let v4 = a_outputs[t * 10 + r3];
    if (v4 > best0 || (v4 != v4 && best0 == best0)) {
      best0 = v4;
      arg1 = r3;
    }
  }
  a_temps[t] = bitcast<f32>(arg1);
}

// ----------------------------------------------------------------------
// k24_equal_mean: 2 fused ops, output f32[]
//   %36 equal[128]  std/losses.grove:21:36
//   %37 mean[]  std/losses.grove:21:31
// one invocation per output element: 1 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(2) var<storage, read> a_temps: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t >= 1) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < 128; r1++) {
    let v2 = bitcast<i32>(a_temps[r1]);
    let v3 = bitcast<i32>(a_inputs[r1 + 100352]);
    let v4 = select(0.0, 1.0, v2 == v3);
    acc0 = acc0 + v4;
  }
  let v5 = acc0 / 128.0;
  a_outputs[t + 1284] = v5;
}
