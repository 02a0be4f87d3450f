// k0_matmul_one_hot_const_mul: 2 independent parts in one dispatch
// part 0: 1 fused op, output f32[128,256] -> temps@0
//     %5 matmul[128,256]  examples/mnist-mlp.grove:15:41
//   8x8 output tile per invocation (matmul as a 128x256x784 product): 512 invocations (1 x 16 x 32) in workgroups of 64
// part 1: 5 fused ops, output f32[128] -> temps@32768
//     %23 one_hot[128,10]  std/losses.grove:6:13
//     %38 const[128,10]  std/losses.grove:7:9
//     %39 mul[128,10]  std/losses.grove:7:13
//     %40 neg[128,10]  std/activations.grove:47:3
//     %41 sum[128]  std/activations.grove:47:3
//   one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_params: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 512) { return; }
  let i0 = ((t / 32) % 16) * 8;
  let j0 = (t % 32) * 8;
  let m0 = i0 + 0;
  let m1 = i0 + 1;
  let m2 = i0 + 2;
  let m3 = i0 + 3;
  let m4 = i0 + 4;
  let m5 = i0 + 5;
  let m6 = i0 + 6;
  let m7 = i0 + 7;
  let n8 = j0 + 0;
  let n9 = j0 + 1;
  let n10 = j0 + 2;
  let n11 = j0 + 3;
  let n12 = j0 + 4;
  let n13 = j0 + 5;
  let n14 = j0 + 6;
  let n15 = j0 + 7;
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
  let kEnd = select(784, 0, t < 0);
  for (var k = 0; k < kEnd; k++) {
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
  for (var ri = 0; ri < select(8, 0, t < 0); ri++) {
    let m32 = i0 + ri;
    a_temps[m32 * 256 + n8] = acc_0_0;
    a_temps[m32 * 256 + n9] = acc_0_1;
    a_temps[m32 * 256 + n10] = acc_0_2;
    a_temps[m32 * 256 + n11] = acc_0_3;
    a_temps[m32 * 256 + n12] = acc_0_4;
    a_temps[m32 * 256 + n13] = acc_0_5;
    a_temps[m32 * 256 + n14] = acc_0_6;
    a_temps[m32 * 256 + n15] = acc_0_7;
    acc_0_0 = acc_1_0;
    acc_0_1 = acc_1_1;
    acc_0_2 = acc_1_2;
    acc_0_3 = acc_1_3;
    acc_0_4 = acc_1_4;
    acc_0_5 = acc_1_5;
    acc_0_6 = acc_1_6;
    acc_0_7 = acc_1_7;
    acc_1_0 = acc_2_0;
    acc_1_1 = acc_2_1;
    acc_1_2 = acc_2_2;
    acc_1_3 = acc_2_3;
    acc_1_4 = acc_2_4;
    acc_1_5 = acc_2_5;
    acc_1_6 = acc_2_6;
    acc_1_7 = acc_2_7;
    acc_2_0 = acc_3_0;
    acc_2_1 = acc_3_1;
    acc_2_2 = acc_3_2;
    acc_2_3 = acc_3_3;
    acc_2_4 = acc_3_4;
    acc_2_5 = acc_3_5;
    acc_2_6 = acc_3_6;
    acc_2_7 = acc_3_7;
    acc_3_0 = acc_4_0;
    acc_3_1 = acc_4_1;
    acc_3_2 = acc_4_2;
    acc_3_3 = acc_4_3;
    acc_3_4 = acc_4_4;
    acc_3_5 = acc_4_5;
    acc_3_6 = acc_4_6;
    acc_3_7 = acc_4_7;
    acc_4_0 = acc_5_0;
    acc_4_1 = acc_5_1;
    acc_4_2 = acc_5_2;
    acc_4_3 = acc_5_3;
    acc_4_4 = acc_5_4;
    acc_4_5 = acc_5_5;
    acc_4_6 = acc_5_6;
    acc_4_7 = acc_5_7;
    acc_5_0 = acc_6_0;
    acc_5_1 = acc_6_1;
    acc_5_2 = acc_6_2;
    acc_5_3 = acc_6_3;
    acc_5_4 = acc_6_4;
    acc_5_5 = acc_6_5;
    acc_5_6 = acc_6_6;
    acc_5_7 = acc_6_7;
    acc_6_0 = acc_7_0;
    acc_6_1 = acc_7_1;
    acc_6_2 = acc_7_2;
    acc_6_3 = acc_7_3;
    acc_6_4 = acc_7_4;
    acc_6_5 = acc_7_5;
    acc_6_6 = acc_7_6;
    acc_6_7 = acc_7_7;
  }
}

fn part1(t: i32) {
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(10, 0, t < 0); r1++) {
    let v2 = (-0.0078125);
    let v3 = bitcast<i32>(a_inputs[t + 100352]);
    let v4 = select(0.0, 1.0, v3 == r1);
    let v5 = v2 * v4;
    let v6 = -v5;
    acc0 = acc0 + v6;
  }
  a_temps[t + 32768] = acc0;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t < 512) {
    part0(t - 0);
    return;
  }
  part1(t - 512);
}

// ----------------------------------------------------------------------
// k1_add_const_pow_mul: one part
// part 0: 9 fused ops, output f32[128,256] -> temps@32896
//     %6 add[128,256]  examples/mnist-mlp.grove:15:41
//     %9 const[]  examples/mnist-mlp.grove:9:67
//     %10 pow[128,256]  examples/mnist-mlp.grove:9:65
//     %11 const[]  examples/mnist-mlp.grove:9:54
//     %12 mul[128,256]  examples/mnist-mlp.grove:9:54
//     %13 add[128,256]  examples/mnist-mlp.grove:9:49
//     %14 const[]  examples/mnist-mlp.grove:9:34
//     %15 mul[128,256]  examples/mnist-mlp.grove:9:34
//     %16 tanh[128,256]  examples/mnist-mlp.grove:9:29
//   4 consecutive elements per invocation as vec4<f32> (along the last axis; 4 scalar loads per stored operand): 8192 invocations in workgroups of 64

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

fn part0(t: i32) {
  if (t >= 8192) { return; }
  let f = t * 4;
  let i0 = (f / 256);
  let i1 = (f % 256);
  let s2 = vec4<f32>(0.7978845834732056);
  let u3 = vec4<f32>(a_temps[i0 * 256 + i1], a_temps[i0 * 256 + i1 + 1], a_temps[i0 * 256 + i1 + 2], a_temps[i0 * 256 + i1 + 3]);
  let u4 = vec4<f32>(a_params[i1 + 200704], a_params[i1 + 200705], a_params[i1 + 200706], a_params[i1 + 200707]);
  let u5 = u3 + u4;
  let s6 = vec4<f32>(0.044714998453855515);
  let s7 = vec4<f32>(3.0);
  let u8 = vec4<f32>(g_pow(u5.x, s7.x), g_pow(u5.y, s7.y), g_pow(u5.z, s7.z), g_pow(u5.w, s7.w));
  let u9 = s6 * u8;
  let u10 = u5 + u9;
  let u11 = s2 * u10;
  let u12 = vec4<f32>(g_tanh(u11.x), g_tanh(u11.y), g_tanh(u11.z), g_tanh(u11.w));
  a_temps[f + 32896] = u12.x;
  a_temps[f + 1 + 32896] = u12.y;
  a_temps[f + 2 + 32896] = u12.z;
  a_temps[f + 3 + 32896] = u12.w;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k2_add_const_mul: one part
// part 0: 6 fused ops, output f32[128,256] -> temps@65664
//     %6 add[128,256]  examples/mnist-mlp.grove:15:41
//     %7 const[]  examples/mnist-mlp.grove:9:14
//     %8 mul[128,256]  examples/mnist-mlp.grove:9:14
//     %17 const[]  examples/mnist-mlp.grove:9:25
//     %18 add[128,256]  examples/mnist-mlp.grove:9:24
//     %19 mul[128,256]  examples/mnist-mlp.grove:9:14
//   4 consecutive elements per invocation as vec4<f32> (along the last axis; 4 scalar loads per stored operand): 8192 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 8192) { return; }
  let f = t * 4;
  let i0 = (f / 256);
  let i1 = (f % 256);
  let s2 = vec4<f32>(0.5);
  let u3 = vec4<f32>(a_temps[i0 * 256 + i1], a_temps[i0 * 256 + i1 + 1], a_temps[i0 * 256 + i1 + 2], a_temps[i0 * 256 + i1 + 3]);
  let u4 = vec4<f32>(a_params[i1 + 200704], a_params[i1 + 200705], a_params[i1 + 200706], a_params[i1 + 200707]);
  let u5 = u3 + u4;
  let u6 = s2 * u5;
  let s7 = vec4<f32>(1.0);
  let u8 = vec4<f32>(a_temps[i0 * 256 + i1 + 32896], a_temps[i0 * 256 + i1 + 32897], a_temps[i0 * 256 + i1 + 32898], a_temps[i0 * 256 + i1 + 32899]);
  let u9 = s7 + u8;
  let u10 = u6 * u9;
  a_temps[f + 65664] = u10.x;
  a_temps[f + 1 + 65664] = u10.y;
  a_temps[f + 2 + 65664] = u10.z;
  a_temps[f + 3 + 65664] = u10.w;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k3_matmul: one part
// part 0: 1 fused op, output f32[128,10] -> temps@98432
//     %20 matmul[128,10]  examples/mnist-mlp.grove:15:41
//   2x4 output tile per invocation (matmul as a 128x10x256 product): 192 invocations (1 x 64 x 3) in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 192) { return; }
  let i0 = ((t / 3) % 64) * 2;
  let j0 = (t % 3) * 4;
  let m0 = i0 + 0;
  let m1 = i0 + 1;
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
  let kEnd = select(256, 0, t < 0);
  for (var k = 0; k < kEnd; k++) {
    let v6 = a_temps[m0 * 256 + k + 65664];
    let v7 = a_temps[m1 * 256 + k + 65664];
    let v8 = a_params[k * 10 + n2 + 200960];
    let v9 = a_params[k * 10 + n3 + 200960];
    let v10 = a_params[k * 10 + n4 + 200960];
    let v11 = a_params[k * 10 + n5 + 200960];
    acc_0_0 = fma(v6, v8, acc_0_0);
    acc_0_1 = fma(v6, v9, acc_0_1);
    acc_0_2 = fma(v6, v10, acc_0_2);
    acc_0_3 = fma(v6, v11, acc_0_3);
    acc_1_0 = fma(v7, v8, acc_1_0);
    acc_1_1 = fma(v7, v9, acc_1_1);
    acc_1_2 = fma(v7, v10, acc_1_2);
    acc_1_3 = fma(v7, v11, acc_1_3);
  }
  for (var ri = 0; ri < select(2, 0, t < 0); ri++) {
    let m12 = i0 + ri;
    if (j0 + 0 < 10) {
      a_temps[m12 * 10 + n2 + 98432] = acc_0_0;
    }
    if (j0 + 1 < 10) {
      a_temps[m12 * 10 + n3 + 98432] = acc_0_1;
    }
    if (j0 + 2 < 10) {
      a_temps[m12 * 10 + n4 + 98432] = acc_0_2;
    }
    if (j0 + 3 < 10) {
      a_temps[m12 * 10 + n5 + 98432] = acc_0_3;
    }
    acc_0_0 = acc_1_0;
    acc_0_1 = acc_1_1;
    acc_0_2 = acc_1_2;
    acc_0_3 = acc_1_3;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k4_add_max_argmax: 2 independent parts in one dispatch
// part 0: 2 fused ops, output f32[128,1] -> temps@99712
//     %21 add[128,10]  examples/mnist-mlp.grove:15:41
//     %24 max[128,1]  std/activations.grove:46:25
//   one invocation per output element: 128 invocations in workgroups of 64
// part 1: 2 fused ops, output i32[128] -> temps@99840
//     %21 add[128,10]  examples/mnist-mlp.grove:15:41
//     %35 argmax[128]  std/losses.grove:21:36
//   one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

fn g_bits(b: u32) -> f32 {
  return bitcast<f32>(b);
}

fn part0(t: i32) {
  if (t >= 128) { return; }
  var acc0 = g_bits(0xff800000u);
  for (var r1 = 0; r1 < select(10, 0, t < 0); r1++) {
    let v2 = a_temps[t * 10 + r1 + 98432];
    let v3 = a_params[r1 + 203520];
    let v4 = v2 + v3;
    acc0 = max(acc0, v4);
  }
  a_temps[t + 99712] = acc0;
}

fn part1(t: i32) {
  if (t >= 128) { return; }
  let v2 = a_temps[t * 10 + 98432];
  let v3 = a_params[203520];
  let v4 = v2 + v3;
  var best0 = v4;
  var arg1 = 0;
  for (var r5 = 0; r5 < select(10, 0, t < 0); r5++) {
    let v6 = a_temps[t * 10 + r5 + 98432];
    let v7 = a_params[r5 + 203520];
    let v8 = v6 + v7;
    if (v8 > best0 || (v8 != v8 && best0 == best0)) {
      best0 = v8;
      arg1 = r5;
    }
  }
  a_temps[t + 99840] = bitcast<f32>(arg1);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t < 128) {
    part0(t - 0);
    return;
  }
  part1(t - 128);
}

// ----------------------------------------------------------------------
// k5_add_stop_gradient_sub_exp: 2 independent parts in one dispatch
// part 0: 4 fused ops, output f32[128,10] -> temps@99968
//     %21 add[128,10]  examples/mnist-mlp.grove:15:41
//     %25 stop_gradient[128,1]  std/activations.grove:46:11
//     %26 sub[128,10]  std/activations.grove:46:7
//     %27 exp[128,10]  std/activations.grove:47:15
//   one invocation per output element: 1280 invocations in workgroups of 64
// part 1: 2 fused ops, output f32[] -> outputs@1284
//     %36 equal[128]  std/losses.grove:21:36
//     %37 mean[]  std/losses.grove:21:31
//   one invocation per output element: 1 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(2) var<storage, read> a_params: array<f32>;
@group(0) @binding(3) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 1280) { return; }
  let i0 = (t / 10);
  let i1 = (t % 10);
  let v2 = a_temps[i0 * 10 + i1 + 98432];
  let v3 = a_params[i1 + 203520];
  let v4 = v2 + v3;
  let v5 = a_temps[i0 + 99712];
  let v6 = v4 - v5;
  let v7 = exp(v6);
  a_temps[t + 99968] = v7;
}

fn part1(t: i32) {
  if (t >= 1) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(128, 0, t < 0); r1++) {
    let v2 = bitcast<i32>(a_temps[r1 + 99840]);
    let v3 = bitcast<i32>(a_inputs[r1 + 100352]);
    let v4 = select(0.0, 1.0, v2 == v3);
    acc0 = acc0 + v4;
  }
  let v5 = acc0 / 128.0;
  a_outputs[t + 1284] = v5;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t < 1280) {
    part0(t - 0);
    return;
  }
  part1(t - 1280);
}

// ----------------------------------------------------------------------
// k6_sum: one part
// part 0: 1 fused op, output f32[128,1] -> temps@99840
//     %28 sum[128,1]  std/activations.grove:47:11
//   one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(10, 0, t < 0); r1++) {
    let v2 = a_temps[t * 10 + r1 + 99968];
    acc0 = acc0 + v2;
  }
  a_temps[t + 99840] = acc0;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k7_add_one_hot_stop_gradient_sub: 2 independent parts in one dispatch
// part 0: 8 fused ops, output f32[128] -> temps@101248
//     %21 add[128,10]  examples/mnist-mlp.grove:15:41
//     %23 one_hot[128,10]  std/losses.grove:6:13
//     %25 stop_gradient[128,1]  std/activations.grove:46:11
//     %26 sub[128,10]  std/activations.grove:46:7
//     %29 log[128,1]  std/activations.grove:47:7
//     %30 sub[128,10]  std/activations.grove:47:3
//     %31 mul[128,10]  std/losses.grove:7:13
//     %32 sum[128]  std/losses.grove:7:9
//   one invocation per output element: 128 invocations in workgroups of 64
// part 1: 8 fused ops, output f32[128,10] -> temps@101376
//     %23 one_hot[128,10]  std/losses.grove:6:13
//     %38 const[128,10]  std/losses.grove:7:9
//     %39 mul[128,10]  std/losses.grove:7:13
//     %42 reshape[128,1]  std/activations.grove:47:3
//     %43 div[128,1]  std/activations.grove:47:7
//     %44 broadcast[128,10]  std/activations.grove:47:11
//     %45 mul[128,10]  std/activations.grove:47:15
//     %46 add[128,10]  std/activations.grove:47:15
//   one invocation per output element: 1280 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_params: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(10, 0, t < 0); r1++) {
    let v2 = bitcast<i32>(a_inputs[t + 100352]);
    let v3 = select(0.0, 1.0, v2 == r1);
    let v4 = a_temps[t * 10 + r1 + 98432];
    let v5 = a_params[r1 + 203520];
    let v6 = v4 + v5;
    let v7 = a_temps[t + 99712];
    let v8 = v6 - v7;
    let v9 = a_temps[t + 99840];
    let v10 = log(v9);
    let v11 = v8 - v10;
    let v12 = v3 * v11;
    acc0 = acc0 + v12;
  }
  a_temps[t + 101248] = acc0;
}

fn part1(t: i32) {
  if (t >= 1280) { return; }
  let i0 = (t / 10);
  let i1 = (t % 10);
  let v2 = (-0.0078125);
  let v3 = bitcast<i32>(a_inputs[i0 + 100352]);
  let v4 = select(0.0, 1.0, v3 == i1);
  let v5 = v2 * v4;
  let v6 = a_temps[i0 + 32768];
  let v7 = a_temps[i0 + 99840];
  let v8 = v6 / v7;
  let v9 = a_temps[i0 * 10 + i1 + 99968];
  let v10 = v8 * v9;
  let v11 = v5 + v10;
  a_temps[t + 101376] = v11;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t < 128) {
    part0(t - 0);
    return;
  }
  part1(t - 128);
}

// ----------------------------------------------------------------------
// k8_neg_mean_sum_transpose: 4 independent parts in one dispatch
// part 0: 2 fused ops, output f32[] -> outputs@1280
//     %33 neg[128]  std/losses.grove:7:8
//     %34 mean[]  std/losses.grove:7:3
//   one invocation per output element: 1 invocations in workgroups of 64
// part 1: 1 fused op, output f32[10] -> grads@203520
//     %47 sum[10]  examples/mnist-mlp.grove:15:41
//   one invocation per output element: 10 invocations in workgroups of 64
// part 2: 2 fused ops, output f32[128,256] -> temps@102656
//     %48 transpose[10,256]  examples/mnist-mlp.grove:15:41
//     %49 matmul[128,256]  examples/mnist-mlp.grove:15:41
//   8x8 output tile per invocation (matmul as a 128x256x10 product): 512 invocations (1 x 16 x 32) in workgroups of 64
// part 3: 2 fused ops, output f32[256,10] -> grads@200960
//     %50 transpose[256,128]  examples/mnist-mlp.grove:15:41
//     %51 matmul[256,10]  examples/mnist-mlp.grove:15:41
//   4x8 output tile per invocation (matmul as a 256x10x128 product): 128 invocations (1 x 64 x 2) in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_grads: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(2) var<storage, read> a_params: array<f32>;
@group(0) @binding(3) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 1) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(128, 0, t < 0); r1++) {
    let v2 = a_temps[r1 + 101248];
    let v3 = -v2;
    acc0 = acc0 + v3;
  }
  let v4 = acc0 / 128.0;
  a_outputs[t + 1280] = v4;
}

fn part1(t: i32) {
  if (t >= 10) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(128, 0, t < 0); r1++) {
    let v2 = a_temps[r1 * 10 + t + 101376];
    acc0 = acc0 + v2;
  }
  a_grads[t + 203520] = acc0;
}

fn part2(t: i32) {
  if (t >= 512) { return; }
  let i0 = ((t / 32) % 16) * 8;
  let j0 = (t % 32) * 8;
  let m0 = i0 + 0;
  let m1 = i0 + 1;
  let m2 = i0 + 2;
  let m3 = i0 + 3;
  let m4 = i0 + 4;
  let m5 = i0 + 5;
  let m6 = i0 + 6;
  let m7 = i0 + 7;
  let n8 = j0 + 0;
  let n9 = j0 + 1;
  let n10 = j0 + 2;
  let n11 = j0 + 3;
  let n12 = j0 + 4;
  let n13 = j0 + 5;
  let n14 = j0 + 6;
  let n15 = j0 + 7;
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
  let kEnd = select(10, 0, t < 0);
  for (var k = 0; k < kEnd; k++) {
    let v16 = a_temps[m0 * 10 + k + 101376];
    let v17 = a_temps[m1 * 10 + k + 101376];
    let v18 = a_temps[m2 * 10 + k + 101376];
    let v19 = a_temps[m3 * 10 + k + 101376];
    let v20 = a_temps[m4 * 10 + k + 101376];
    let v21 = a_temps[m5 * 10 + k + 101376];
    let v22 = a_temps[m6 * 10 + k + 101376];
    let v23 = a_temps[m7 * 10 + k + 101376];
    let v24 = a_params[n8 * 10 + k + 200960];
    let v25 = a_params[n9 * 10 + k + 200960];
    let v26 = a_params[n10 * 10 + k + 200960];
    let v27 = a_params[n11 * 10 + k + 200960];
    let v28 = a_params[n12 * 10 + k + 200960];
    let v29 = a_params[n13 * 10 + k + 200960];
    let v30 = a_params[n14 * 10 + k + 200960];
    let v31 = a_params[n15 * 10 + k + 200960];
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
  for (var ri = 0; ri < select(8, 0, t < 0); ri++) {
    let m32 = i0 + ri;
    a_temps[m32 * 256 + n8 + 102656] = acc_0_0;
    a_temps[m32 * 256 + n9 + 102656] = acc_0_1;
    a_temps[m32 * 256 + n10 + 102656] = acc_0_2;
    a_temps[m32 * 256 + n11 + 102656] = acc_0_3;
    a_temps[m32 * 256 + n12 + 102656] = acc_0_4;
    a_temps[m32 * 256 + n13 + 102656] = acc_0_5;
    a_temps[m32 * 256 + n14 + 102656] = acc_0_6;
    a_temps[m32 * 256 + n15 + 102656] = acc_0_7;
    acc_0_0 = acc_1_0;
    acc_0_1 = acc_1_1;
    acc_0_2 = acc_1_2;
    acc_0_3 = acc_1_3;
    acc_0_4 = acc_1_4;
    acc_0_5 = acc_1_5;
    acc_0_6 = acc_1_6;
    acc_0_7 = acc_1_7;
    acc_1_0 = acc_2_0;
    acc_1_1 = acc_2_1;
    acc_1_2 = acc_2_2;
    acc_1_3 = acc_2_3;
    acc_1_4 = acc_2_4;
    acc_1_5 = acc_2_5;
    acc_1_6 = acc_2_6;
    acc_1_7 = acc_2_7;
    acc_2_0 = acc_3_0;
    acc_2_1 = acc_3_1;
    acc_2_2 = acc_3_2;
    acc_2_3 = acc_3_3;
    acc_2_4 = acc_3_4;
    acc_2_5 = acc_3_5;
    acc_2_6 = acc_3_6;
    acc_2_7 = acc_3_7;
    acc_3_0 = acc_4_0;
    acc_3_1 = acc_4_1;
    acc_3_2 = acc_4_2;
    acc_3_3 = acc_4_3;
    acc_3_4 = acc_4_4;
    acc_3_5 = acc_4_5;
    acc_3_6 = acc_4_6;
    acc_3_7 = acc_4_7;
    acc_4_0 = acc_5_0;
    acc_4_1 = acc_5_1;
    acc_4_2 = acc_5_2;
    acc_4_3 = acc_5_3;
    acc_4_4 = acc_5_4;
    acc_4_5 = acc_5_5;
    acc_4_6 = acc_5_6;
    acc_4_7 = acc_5_7;
    acc_5_0 = acc_6_0;
    acc_5_1 = acc_6_1;
    acc_5_2 = acc_6_2;
    acc_5_3 = acc_6_3;
    acc_5_4 = acc_6_4;
    acc_5_5 = acc_6_5;
    acc_5_6 = acc_6_6;
    acc_5_7 = acc_6_7;
    acc_6_0 = acc_7_0;
    acc_6_1 = acc_7_1;
    acc_6_2 = acc_7_2;
    acc_6_3 = acc_7_3;
    acc_6_4 = acc_7_4;
    acc_6_5 = acc_7_5;
    acc_6_6 = acc_7_6;
    acc_6_7 = acc_7_7;
  }
}

fn part3(t: i32) {
  if (t >= 128) { return; }
  let i0 = ((t / 2) % 64) * 4;
  let j0 = (t % 2) * 8;
  let m0 = i0 + 0;
  let m1 = i0 + 1;
  let m2 = i0 + 2;
  let m3 = i0 + 3;
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
  let kEnd = select(128, 0, t < 0);
  for (var k = 0; k < kEnd; k++) {
    let v12 = a_temps[k * 256 + m0 + 65664];
    let v13 = a_temps[k * 256 + m1 + 65664];
    let v14 = a_temps[k * 256 + m2 + 65664];
    let v15 = a_temps[k * 256 + m3 + 65664];
    let v16 = a_temps[k * 10 + n4 + 101376];
    let v17 = a_temps[k * 10 + n5 + 101376];
    let v18 = a_temps[k * 10 + n6 + 101376];
    let v19 = a_temps[k * 10 + n7 + 101376];
    let v20 = a_temps[k * 10 + n8 + 101376];
    let v21 = a_temps[k * 10 + n9 + 101376];
    let v22 = a_temps[k * 10 + n10 + 101376];
    let v23 = a_temps[k * 10 + n11 + 101376];
    acc_0_0 = fma(v12, v16, acc_0_0);
    acc_0_1 = fma(v12, v17, acc_0_1);
    acc_0_2 = fma(v12, v18, acc_0_2);
    acc_0_3 = fma(v12, v19, acc_0_3);
    acc_0_4 = fma(v12, v20, acc_0_4);
    acc_0_5 = fma(v12, v21, acc_0_5);
    acc_0_6 = fma(v12, v22, acc_0_6);
    acc_0_7 = fma(v12, v23, acc_0_7);
    acc_1_0 = fma(v13, v16, acc_1_0);
    acc_1_1 = fma(v13, v17, acc_1_1);
    acc_1_2 = fma(v13, v18, acc_1_2);
    acc_1_3 = fma(v13, v19, acc_1_3);
    acc_1_4 = fma(v13, v20, acc_1_4);
    acc_1_5 = fma(v13, v21, acc_1_5);
    acc_1_6 = fma(v13, v22, acc_1_6);
    acc_1_7 = fma(v13, v23, acc_1_7);
    acc_2_0 = fma(v14, v16, acc_2_0);
    acc_2_1 = fma(v14, v17, acc_2_1);
    acc_2_2 = fma(v14, v18, acc_2_2);
    acc_2_3 = fma(v14, v19, acc_2_3);
    acc_2_4 = fma(v14, v20, acc_2_4);
    acc_2_5 = fma(v14, v21, acc_2_5);
    acc_2_6 = fma(v14, v22, acc_2_6);
    acc_2_7 = fma(v14, v23, acc_2_7);
    acc_3_0 = fma(v15, v16, acc_3_0);
    acc_3_1 = fma(v15, v17, acc_3_1);
    acc_3_2 = fma(v15, v18, acc_3_2);
    acc_3_3 = fma(v15, v19, acc_3_3);
    acc_3_4 = fma(v15, v20, acc_3_4);
    acc_3_5 = fma(v15, v21, acc_3_5);
    acc_3_6 = fma(v15, v22, acc_3_6);
    acc_3_7 = fma(v15, v23, acc_3_7);
  }
  for (var ri = 0; ri < select(4, 0, t < 0); ri++) {
    let m24 = i0 + ri;
    if (j0 + 0 < 10) {
      a_grads[m24 * 10 + n4 + 200960] = acc_0_0;
    }
    if (j0 + 1 < 10) {
      a_grads[m24 * 10 + n5 + 200960] = acc_0_1;
    }
    if (j0 + 2 < 10) {
      a_grads[m24 * 10 + n6 + 200960] = acc_0_2;
    }
    if (j0 + 3 < 10) {
      a_grads[m24 * 10 + n7 + 200960] = acc_0_3;
    }
    if (j0 + 4 < 10) {
      a_grads[m24 * 10 + n8 + 200960] = acc_0_4;
    }
    if (j0 + 5 < 10) {
      a_grads[m24 * 10 + n9 + 200960] = acc_0_5;
    }
    if (j0 + 6 < 10) {
      a_grads[m24 * 10 + n10 + 200960] = acc_0_6;
    }
    if (j0 + 7 < 10) {
      a_grads[m24 * 10 + n11 + 200960] = acc_0_7;
    }
    acc_0_0 = acc_1_0;
    acc_0_1 = acc_1_1;
    acc_0_2 = acc_1_2;
    acc_0_3 = acc_1_3;
    acc_0_4 = acc_1_4;
    acc_0_5 = acc_1_5;
    acc_0_6 = acc_1_6;
    acc_0_7 = acc_1_7;
    acc_1_0 = acc_2_0;
    acc_1_1 = acc_2_1;
    acc_1_2 = acc_2_2;
    acc_1_3 = acc_2_3;
    acc_1_4 = acc_2_4;
    acc_1_5 = acc_2_5;
    acc_1_6 = acc_2_6;
    acc_1_7 = acc_2_7;
    acc_2_0 = acc_3_0;
    acc_2_1 = acc_3_1;
    acc_2_2 = acc_3_2;
    acc_2_3 = acc_3_3;
    acc_2_4 = acc_3_4;
    acc_2_5 = acc_3_5;
    acc_2_6 = acc_3_6;
    acc_2_7 = acc_3_7;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t < 64) {
    part0(t - 0);
    return;
  }
  if (t < 128) {
    part1(t - 64);
    return;
  }
  if (t < 640) {
    part2(t - 128);
    return;
  }
  part3(t - 640);
}

// ----------------------------------------------------------------------
// k9_add_const_mul_sub: one part
// part 0: 10 fused ops, output f32[128,256] -> temps@65664
//     %6 add[128,256]  examples/mnist-mlp.grove:15:41
//     %7 const[]  examples/mnist-mlp.grove:9:14
//     %8 mul[128,256]  examples/mnist-mlp.grove:9:14
//     %14 const[]  examples/mnist-mlp.grove:9:34
//     %17 const[]  examples/mnist-mlp.grove:9:25
//     %53 mul[128,256]  examples/mnist-mlp.grove:9:14
//     %54 mul[128,256]  examples/mnist-mlp.grove:9:29
//     %55 sub[128,256]  examples/mnist-mlp.grove:9:29
//     %56 mul[128,256]  examples/mnist-mlp.grove:9:29
//     %57 mul[128,256]  examples/mnist-mlp.grove:9:34
//   4 consecutive elements per invocation as vec4<f32> (along the last axis; 4 scalar loads per stored operand): 8192 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 8192) { return; }
  let f = t * 4;
  let i0 = (f / 256);
  let i1 = (f % 256);
  let u2 = vec4<f32>(a_temps[i0 * 256 + i1 + 102656], a_temps[i0 * 256 + i1 + 102657], a_temps[i0 * 256 + i1 + 102658], a_temps[i0 * 256 + i1 + 102659]);
  let s3 = vec4<f32>(0.5);
  let u4 = vec4<f32>(a_temps[i0 * 256 + i1], a_temps[i0 * 256 + i1 + 1], a_temps[i0 * 256 + i1 + 2], a_temps[i0 * 256 + i1 + 3]);
  let u5 = vec4<f32>(a_params[i1 + 200704], a_params[i1 + 200705], a_params[i1 + 200706], a_params[i1 + 200707]);
  let u6 = u4 + u5;
  let u7 = s3 * u6;
  let u8 = u2 * u7;
  let s9 = vec4<f32>(1.0);
  let u10 = vec4<f32>(a_temps[i0 * 256 + i1 + 32896], a_temps[i0 * 256 + i1 + 32897], a_temps[i0 * 256 + i1 + 32898], a_temps[i0 * 256 + i1 + 32899]);
  let u11 = u10 * u10;
  let u12 = s9 - u11;
  let u13 = u8 * u12;
  let s14 = vec4<f32>(0.7978845834732056);
  let u15 = u13 * s14;
  a_temps[f + 65664] = u15.x;
  a_temps[f + 1 + 65664] = u15.y;
  a_temps[f + 2 + 65664] = u15.z;
  a_temps[f + 3 + 65664] = u15.w;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k10_add_const_mul: one part
// part 0: 14 fused ops, output f32[128,256] -> temps@135424
//     %6 add[128,256]  examples/mnist-mlp.grove:15:41
//     %7 const[]  examples/mnist-mlp.grove:9:14
//     %9 const[]  examples/mnist-mlp.grove:9:67
//     %11 const[]  examples/mnist-mlp.grove:9:54
//     %17 const[]  examples/mnist-mlp.grove:9:25
//     %18 add[128,256]  examples/mnist-mlp.grove:9:24
//     %52 mul[128,256]  examples/mnist-mlp.grove:9:14
//     %58 mul[128,256]  examples/mnist-mlp.grove:9:54
//     %59 mul[128,256]  examples/mnist-mlp.grove:9:65
//     %60 mul[128,256]  examples/mnist-mlp.grove:9:65
//     %61 mul[128,256]  examples/mnist-mlp.grove:9:65
//     %62 add[128,256]  examples/mnist-mlp.grove:9:65
//     %63 mul[128,256]  examples/mnist-mlp.grove:9:14
//     %64 add[128,256]  examples/mnist-mlp.grove:9:14
//   4 consecutive elements per invocation as vec4<f32> (along the last axis; 4 scalar loads per stored operand): 8192 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_params: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 8192) { return; }
  let f = t * 4;
  let i0 = (f / 256);
  let i1 = (f % 256);
  let u2 = vec4<f32>(a_temps[i0 * 256 + i1 + 65664], a_temps[i0 * 256 + i1 + 65665], a_temps[i0 * 256 + i1 + 65666], a_temps[i0 * 256 + i1 + 65667]);
  let s3 = vec4<f32>(0.044714998453855515);
  let u4 = u2 * s3;
  let s5 = vec4<f32>(3.0);
  let u6 = vec4<f32>(a_temps[i0 * 256 + i1], a_temps[i0 * 256 + i1 + 1], a_temps[i0 * 256 + i1 + 2], a_temps[i0 * 256 + i1 + 3]);
  let u7 = vec4<f32>(a_params[i1 + 200704], a_params[i1 + 200705], a_params[i1 + 200706], a_params[i1 + 200707]);
  let u8 = u6 + u7;
  let u9 = u8 * u8;
  let u10 = s5 * u9;
  let u11 = u4 * u10;
  let u12 = u2 + u11;
  let u13 = vec4<f32>(a_temps[i0 * 256 + i1 + 102656], a_temps[i0 * 256 + i1 + 102657], a_temps[i0 * 256 + i1 + 102658], a_temps[i0 * 256 + i1 + 102659]);
  let s14 = vec4<f32>(1.0);
  let u15 = vec4<f32>(a_temps[i0 * 256 + i1 + 32896], a_temps[i0 * 256 + i1 + 32897], a_temps[i0 * 256 + i1 + 32898], a_temps[i0 * 256 + i1 + 32899]);
  let u16 = s14 + u15;
  let u17 = u13 * u16;
  let s18 = vec4<f32>(0.5);
  let u19 = u17 * s18;
  let u20 = u12 + u19;
  a_temps[f + 135424] = u20.x;
  a_temps[f + 1 + 135424] = u20.y;
  a_temps[f + 2 + 135424] = u20.z;
  a_temps[f + 3 + 135424] = u20.w;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k11_sum_transpose_matmul: 2 independent parts in one dispatch
// part 0: 1 fused op, output f32[256] -> grads@200704
//     %65 sum[256]  examples/mnist-mlp.grove:15:41
//   one invocation per output element: 256 invocations in workgroups of 64
// part 1: 2 fused ops, output f32[784,256] -> grads@0
//     %66 transpose[784,128]  examples/mnist-mlp.grove:15:41
//     %67 matmul[784,256]  examples/mnist-mlp.grove:15:41
//   8x8 output tile per invocation (matmul as a 784x256x128 product): 3136 invocations (1 x 98 x 32) in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_grads: array<f32>;
@group(0) @binding(1) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(2) var<storage, read> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 256) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(128, 0, t < 0); r1++) {
    let v2 = a_temps[r1 * 256 + t + 135424];
    acc0 = acc0 + v2;
  }
  a_grads[t + 200704] = acc0;
}

fn part1(t: i32) {
  if (t >= 3136) { return; }
  let i0 = ((t / 32) % 98) * 8;
  let j0 = (t % 32) * 8;
  let m0 = i0 + 0;
  let m1 = i0 + 1;
  let m2 = i0 + 2;
  let m3 = i0 + 3;
  let m4 = i0 + 4;
  let m5 = i0 + 5;
  let m6 = i0 + 6;
  let m7 = i0 + 7;
  let n8 = j0 + 0;
  let n9 = j0 + 1;
  let n10 = j0 + 2;
  let n11 = j0 + 3;
  let n12 = j0 + 4;
  let n13 = j0 + 5;
  let n14 = j0 + 6;
  let n15 = j0 + 7;
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
  let kEnd = select(128, 0, t < 0);
  for (var k = 0; k < kEnd; k++) {
    let v16 = a_inputs[k * 784 + m0];
    let v17 = a_inputs[k * 784 + m1];
    let v18 = a_inputs[k * 784 + m2];
    let v19 = a_inputs[k * 784 + m3];
    let v20 = a_inputs[k * 784 + m4];
    let v21 = a_inputs[k * 784 + m5];
    let v22 = a_inputs[k * 784 + m6];
    let v23 = a_inputs[k * 784 + m7];
    let v24 = a_temps[k * 256 + n8 + 135424];
    let v25 = a_temps[k * 256 + n9 + 135424];
    let v26 = a_temps[k * 256 + n10 + 135424];
    let v27 = a_temps[k * 256 + n11 + 135424];
    let v28 = a_temps[k * 256 + n12 + 135424];
    let v29 = a_temps[k * 256 + n13 + 135424];
    let v30 = a_temps[k * 256 + n14 + 135424];
    let v31 = a_temps[k * 256 + n15 + 135424];
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
  for (var ri = 0; ri < select(8, 0, t < 0); ri++) {
    let m32 = i0 + ri;
    a_grads[m32 * 256 + n8] = acc_0_0;
    a_grads[m32 * 256 + n9] = acc_0_1;
    a_grads[m32 * 256 + n10] = acc_0_2;
    a_grads[m32 * 256 + n11] = acc_0_3;
    a_grads[m32 * 256 + n12] = acc_0_4;
    a_grads[m32 * 256 + n13] = acc_0_5;
    a_grads[m32 * 256 + n14] = acc_0_6;
    a_grads[m32 * 256 + n15] = acc_0_7;
    acc_0_0 = acc_1_0;
    acc_0_1 = acc_1_1;
    acc_0_2 = acc_1_2;
    acc_0_3 = acc_1_3;
    acc_0_4 = acc_1_4;
    acc_0_5 = acc_1_5;
    acc_0_6 = acc_1_6;
    acc_0_7 = acc_1_7;
    acc_1_0 = acc_2_0;
    acc_1_1 = acc_2_1;
    acc_1_2 = acc_2_2;
    acc_1_3 = acc_2_3;
    acc_1_4 = acc_2_4;
    acc_1_5 = acc_2_5;
    acc_1_6 = acc_2_6;
    acc_1_7 = acc_2_7;
    acc_2_0 = acc_3_0;
    acc_2_1 = acc_3_1;
    acc_2_2 = acc_3_2;
    acc_2_3 = acc_3_3;
    acc_2_4 = acc_3_4;
    acc_2_5 = acc_3_5;
    acc_2_6 = acc_3_6;
    acc_2_7 = acc_3_7;
    acc_3_0 = acc_4_0;
    acc_3_1 = acc_4_1;
    acc_3_2 = acc_4_2;
    acc_3_3 = acc_4_3;
    acc_3_4 = acc_4_4;
    acc_3_5 = acc_4_5;
    acc_3_6 = acc_4_6;
    acc_3_7 = acc_4_7;
    acc_4_0 = acc_5_0;
    acc_4_1 = acc_5_1;
    acc_4_2 = acc_5_2;
    acc_4_3 = acc_5_3;
    acc_4_4 = acc_5_4;
    acc_4_5 = acc_5_5;
    acc_4_6 = acc_5_6;
    acc_4_7 = acc_5_7;
    acc_5_0 = acc_6_0;
    acc_5_1 = acc_6_1;
    acc_5_2 = acc_6_2;
    acc_5_3 = acc_6_3;
    acc_5_4 = acc_6_4;
    acc_5_5 = acc_6_5;
    acc_5_6 = acc_6_6;
    acc_5_7 = acc_6_7;
    acc_6_0 = acc_7_0;
    acc_6_1 = acc_7_1;
    acc_6_2 = acc_7_2;
    acc_6_3 = acc_7_3;
    acc_6_4 = acc_7_4;
    acc_6_5 = acc_7_5;
    acc_6_6 = acc_7_6;
    acc_6_7 = acc_7_7;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t < 256) {
    part0(t - 0);
    return;
  }
  part1(t - 256);
}

// ----------------------------------------------------------------------
// k_grad_norm: the global L2 norm of all 203532 gradient values, for clipping
// one workgroup: each invocation sums squares with a stride, then a tree reduction

@group(0) @binding(0) var<storage, read> a_grads: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_outputs: array<f32>;
var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < 203532u; i = i + 256u) {
    let g = a_grads[i];
    s = fma(g, g, s);
  }
  partial[li] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w = w / 2u) {
    if (li < w) { partial[li] = partial[li] + partial[li + w]; }
    workgroupBarrier();
  }
  if (li == 0u) { a_outputs[1288] = sqrt(partial[0]); }
}

// ----------------------------------------------------------------------
// k_adamw: updates all 203532 parameter values in one dispatch
// {"lr":0.001,"weight_decay":0.01,"beta1":0.9,"beta2":0.999,"eps":1e-8}

@group(0) @binding(0) var<storage, read> a_grads: array<f32>;
@group(0) @binding(1) var<storage, read> a_outputs: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_params: array<f32>;
@group(0) @binding(3) var<storage, read_write> a_state_m: array<f32>;
@group(0) @binding(4) var<storage, read_write> a_state_v: array<f32>;
struct Step { lr: f32, bc1: f32, bc2: f32, step: f32, clip: f32 }
@group(0) @binding(5) var<uniform> u: Step;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= 203532u) { return; }
  let norm = a_outputs[1288];
  let g = a_grads[i] * select(1.0, u.clip / norm, u.clip > 0.0 && norm > u.clip);
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
// k12_matmul: one part
// part 0: 1 fused op, output f32[128,256] -> temps@0
//     %5 matmul[128,256]  examples/mnist-mlp.grove:15:41
//   8x8 output tile per invocation (matmul as a 128x256x784 product): 512 invocations (1 x 16 x 32) in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_params: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 512) { return; }
  let i0 = ((t / 32) % 16) * 8;
  let j0 = (t % 32) * 8;
  let m0 = i0 + 0;
  let m1 = i0 + 1;
  let m2 = i0 + 2;
  let m3 = i0 + 3;
  let m4 = i0 + 4;
  let m5 = i0 + 5;
  let m6 = i0 + 6;
  let m7 = i0 + 7;
  let n8 = j0 + 0;
  let n9 = j0 + 1;
  let n10 = j0 + 2;
  let n11 = j0 + 3;
  let n12 = j0 + 4;
  let n13 = j0 + 5;
  let n14 = j0 + 6;
  let n15 = j0 + 7;
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
  let kEnd = select(784, 0, t < 0);
  for (var k = 0; k < kEnd; k++) {
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
  for (var ri = 0; ri < select(8, 0, t < 0); ri++) {
    let m32 = i0 + ri;
    a_temps[m32 * 256 + n8] = acc_0_0;
    a_temps[m32 * 256 + n9] = acc_0_1;
    a_temps[m32 * 256 + n10] = acc_0_2;
    a_temps[m32 * 256 + n11] = acc_0_3;
    a_temps[m32 * 256 + n12] = acc_0_4;
    a_temps[m32 * 256 + n13] = acc_0_5;
    a_temps[m32 * 256 + n14] = acc_0_6;
    a_temps[m32 * 256 + n15] = acc_0_7;
    acc_0_0 = acc_1_0;
    acc_0_1 = acc_1_1;
    acc_0_2 = acc_1_2;
    acc_0_3 = acc_1_3;
    acc_0_4 = acc_1_4;
    acc_0_5 = acc_1_5;
    acc_0_6 = acc_1_6;
    acc_0_7 = acc_1_7;
    acc_1_0 = acc_2_0;
    acc_1_1 = acc_2_1;
    acc_1_2 = acc_2_2;
    acc_1_3 = acc_2_3;
    acc_1_4 = acc_2_4;
    acc_1_5 = acc_2_5;
    acc_1_6 = acc_2_6;
    acc_1_7 = acc_2_7;
    acc_2_0 = acc_3_0;
    acc_2_1 = acc_3_1;
    acc_2_2 = acc_3_2;
    acc_2_3 = acc_3_3;
    acc_2_4 = acc_3_4;
    acc_2_5 = acc_3_5;
    acc_2_6 = acc_3_6;
    acc_2_7 = acc_3_7;
    acc_3_0 = acc_4_0;
    acc_3_1 = acc_4_1;
    acc_3_2 = acc_4_2;
    acc_3_3 = acc_4_3;
    acc_3_4 = acc_4_4;
    acc_3_5 = acc_4_5;
    acc_3_6 = acc_4_6;
    acc_3_7 = acc_4_7;
    acc_4_0 = acc_5_0;
    acc_4_1 = acc_5_1;
    acc_4_2 = acc_5_2;
    acc_4_3 = acc_5_3;
    acc_4_4 = acc_5_4;
    acc_4_5 = acc_5_5;
    acc_4_6 = acc_5_6;
    acc_4_7 = acc_5_7;
    acc_5_0 = acc_6_0;
    acc_5_1 = acc_6_1;
    acc_5_2 = acc_6_2;
    acc_5_3 = acc_6_3;
    acc_5_4 = acc_6_4;
    acc_5_5 = acc_6_5;
    acc_5_6 = acc_6_6;
    acc_5_7 = acc_6_7;
    acc_6_0 = acc_7_0;
    acc_6_1 = acc_7_1;
    acc_6_2 = acc_7_2;
    acc_6_3 = acc_7_3;
    acc_6_4 = acc_7_4;
    acc_6_5 = acc_7_5;
    acc_6_6 = acc_7_6;
    acc_6_7 = acc_7_7;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k13_add_const_mul_pow: one part
// part 0: 14 fused ops, output f32[128,256] -> temps@32768
//     %6 add[128,256]  examples/mnist-mlp.grove:15:41
//     %7 const[]  examples/mnist-mlp.grove:9:14
//     %8 mul[128,256]  examples/mnist-mlp.grove:9:14
//     %9 const[]  examples/mnist-mlp.grove:9:67
//     %10 pow[128,256]  examples/mnist-mlp.grove:9:65
//     %11 const[]  examples/mnist-mlp.grove:9:54
//     %12 mul[128,256]  examples/mnist-mlp.grove:9:54
//     %13 add[128,256]  examples/mnist-mlp.grove:9:49
//     %14 const[]  examples/mnist-mlp.grove:9:34
//     %15 mul[128,256]  examples/mnist-mlp.grove:9:34
//     %16 tanh[128,256]  examples/mnist-mlp.grove:9:29
//     %17 const[]  examples/mnist-mlp.grove:9:25
//     %18 add[128,256]  examples/mnist-mlp.grove:9:24
//     %19 mul[128,256]  examples/mnist-mlp.grove:9:14
//   4 consecutive elements per invocation as vec4<f32> (along the last axis; 4 scalar loads per stored operand): 8192 invocations in workgroups of 64

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

fn part0(t: i32) {
  if (t >= 8192) { return; }
  let f = t * 4;
  let i0 = (f / 256);
  let i1 = (f % 256);
  let s2 = vec4<f32>(0.5);
  let u3 = vec4<f32>(a_temps[i0 * 256 + i1], a_temps[i0 * 256 + i1 + 1], a_temps[i0 * 256 + i1 + 2], a_temps[i0 * 256 + i1 + 3]);
  let u4 = vec4<f32>(a_params[i1 + 200704], a_params[i1 + 200705], a_params[i1 + 200706], a_params[i1 + 200707]);
  let u5 = u3 + u4;
  let u6 = s2 * u5;
  let s7 = vec4<f32>(1.0);
  let s8 = vec4<f32>(0.7978845834732056);
  let s9 = vec4<f32>(0.044714998453855515);
  let s10 = vec4<f32>(3.0);
  let u11 = vec4<f32>(g_pow(u5.x, s10.x), g_pow(u5.y, s10.y), g_pow(u5.z, s10.z), g_pow(u5.w, s10.w));
  let u12 = s9 * u11;
  let u13 = u5 + u12;
  let u14 = s8 * u13;
  let u15 = vec4<f32>(g_tanh(u14.x), g_tanh(u14.y), g_tanh(u14.z), g_tanh(u14.w));
  let u16 = s7 + u15;
  let u17 = u6 * u16;
  a_temps[f + 32768] = u17.x;
  a_temps[f + 1 + 32768] = u17.y;
  a_temps[f + 2 + 32768] = u17.z;
  a_temps[f + 3 + 32768] = u17.w;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k14_matmul_add: one part
// part 0: 2 fused ops, output f32[128,10] -> outputs@0
//     %20 matmul[128,10]  examples/mnist-mlp.grove:15:41
//     %21 add[128,10]  examples/mnist-mlp.grove:15:41
//   2x4 output tile per invocation (matmul as a 128x10x256 product): 192 invocations (1 x 64 x 3) in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_params: array<f32>;
@group(0) @binding(2) var<storage, read> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 192) { return; }
  let i0 = ((t / 3) % 64) * 2;
  let j0 = (t % 3) * 4;
  let m0 = i0 + 0;
  let m1 = i0 + 1;
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
  let kEnd = select(256, 0, t < 0);
  for (var k = 0; k < kEnd; k++) {
    let v6 = a_temps[m0 * 256 + k + 32768];
    let v7 = a_temps[m1 * 256 + k + 32768];
    let v8 = a_params[k * 10 + n2 + 200960];
    let v9 = a_params[k * 10 + n3 + 200960];
    let v10 = a_params[k * 10 + n4 + 200960];
    let v11 = a_params[k * 10 + n5 + 200960];
    acc_0_0 = fma(v6, v8, acc_0_0);
    acc_0_1 = fma(v6, v9, acc_0_1);
    acc_0_2 = fma(v6, v10, acc_0_2);
    acc_0_3 = fma(v6, v11, acc_0_3);
    acc_1_0 = fma(v7, v8, acc_1_0);
    acc_1_1 = fma(v7, v9, acc_1_1);
    acc_1_2 = fma(v7, v10, acc_1_2);
    acc_1_3 = fma(v7, v11, acc_1_3);
  }
  for (var ri = 0; ri < select(2, 0, t < 0); ri++) {
    let m12 = i0 + ri;
    if (j0 + 0 < 10) {
      let v13 = a_params[n2 + 203520];
      let v14 = acc_0_0 + v13;
      a_outputs[m12 * 10 + n2] = v14;
    }
    if (j0 + 1 < 10) {
      let v15 = a_params[n3 + 203520];
      let v16 = acc_0_1 + v15;
      a_outputs[m12 * 10 + n3] = v16;
    }
    if (j0 + 2 < 10) {
      let v17 = a_params[n4 + 203520];
      let v18 = acc_0_2 + v17;
      a_outputs[m12 * 10 + n4] = v18;
    }
    if (j0 + 3 < 10) {
      let v19 = a_params[n5 + 203520];
      let v20 = acc_0_3 + v19;
      a_outputs[m12 * 10 + n5] = v20;
    }
    acc_0_0 = acc_1_0;
    acc_0_1 = acc_1_1;
    acc_0_2 = acc_1_2;
    acc_0_3 = acc_1_3;
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k15_max_argmax: 2 independent parts in one dispatch
// part 0: 1 fused op, output f32[128,1] -> temps@0
//     %24 max[128,1]  std/activations.grove:46:25
//   one invocation per output element: 128 invocations in workgroups of 64
// part 1: 1 fused op, output i32[128] -> temps@128
//     %35 argmax[128]  std/losses.grove:21:36
//   one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_outputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_temps: array<f32>;

fn g_bits(b: u32) -> f32 {
  return bitcast<f32>(b);
}

fn part0(t: i32) {
  if (t >= 128) { return; }
  var acc0 = g_bits(0xff800000u);
  for (var r1 = 0; r1 < select(10, 0, t < 0); r1++) {
    let v2 = a_outputs[t * 10 + r1];
    acc0 = max(acc0, v2);
  }
  a_temps[t] = acc0;
}

fn part1(t: i32) {
  if (t >= 128) { return; }
  let v2 = a_outputs[t * 10];
  var best0 = v2;
  var arg1 = 0;
  for (var r3 = 0; r3 < select(10, 0, t < 0); r3++) {
    let v4 = a_outputs[t * 10 + r3];
    if (v4 > best0 || (v4 != v4 && best0 == best0)) {
      best0 = v4;
      arg1 = r3;
    }
  }
  a_temps[t + 128] = bitcast<f32>(arg1);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t < 128) {
    part0(t - 0);
    return;
  }
  part1(t - 128);
}

// ----------------------------------------------------------------------
// k16_stop_gradient_sub_exp_sum: 2 independent parts in one dispatch
// part 0: 4 fused ops, output f32[128,1] -> temps@256
//     %25 stop_gradient[128,1]  std/activations.grove:46:11
//     %26 sub[128,10]  std/activations.grove:46:7
//     %27 exp[128,10]  std/activations.grove:47:15
//     %28 sum[128,1]  std/activations.grove:47:11
//   one invocation per output element: 128 invocations in workgroups of 64
// part 1: 2 fused ops, output f32[] -> outputs@1284
//     %36 equal[128]  std/losses.grove:21:36
//     %37 mean[]  std/losses.grove:21:31
//   one invocation per output element: 1 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(10, 0, t < 0); r1++) {
    let v2 = a_outputs[t * 10 + r1];
    let v3 = a_temps[t];
    let v4 = v2 - v3;
    let v5 = exp(v4);
    acc0 = acc0 + v5;
  }
  a_temps[t + 256] = acc0;
}

fn part1(t: i32) {
  if (t >= 1) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(128, 0, t < 0); r1++) {
    let v2 = bitcast<i32>(a_temps[r1 + 128]);
    let v3 = bitcast<i32>(a_inputs[r1 + 100352]);
    let v4 = select(0.0, 1.0, v2 == v3);
    acc0 = acc0 + v4;
  }
  let v5 = acc0 / 128.0;
  a_outputs[t + 1284] = v5;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  if (t < 128) {
    part0(t - 0);
    return;
  }
  part1(t - 128);
}

// ----------------------------------------------------------------------
// k17_one_hot_stop_gradient_sub_log: one part
// part 0: 7 fused ops, output f32[128] -> temps@128
//     %23 one_hot[128,10]  std/losses.grove:6:13
//     %25 stop_gradient[128,1]  std/activations.grove:46:11
//     %26 sub[128,10]  std/activations.grove:46:7
//     %29 log[128,1]  std/activations.grove:47:7
//     %30 sub[128,10]  std/activations.grove:47:3
//     %31 mul[128,10]  std/losses.grove:7:13
//     %32 sum[128]  std/losses.grove:7:9
//   one invocation per output element: 128 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read> a_inputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_outputs: array<f32>;
@group(0) @binding(2) var<storage, read_write> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 128) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(10, 0, t < 0); r1++) {
    let v2 = bitcast<i32>(a_inputs[t + 100352]);
    let v3 = select(0.0, 1.0, v2 == r1);
    let v4 = a_outputs[t * 10 + r1];
    let v5 = a_temps[t];
    let v6 = v4 - v5;
    let v7 = a_temps[t + 256];
    let v8 = log(v7);
    let v9 = v6 - v8;
    let v10 = v3 * v9;
    acc0 = acc0 + v10;
  }
  a_temps[t + 128] = acc0;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}

// ----------------------------------------------------------------------
// k18_neg_mean: one part
// part 0: 2 fused ops, output f32[] -> outputs@1280
//     %33 neg[128]  std/losses.grove:7:8
//     %34 mean[]  std/losses.grove:7:3
//   one invocation per output element: 1 invocations in workgroups of 64

@group(0) @binding(0) var<storage, read_write> a_outputs: array<f32>;
@group(0) @binding(1) var<storage, read> a_temps: array<f32>;

fn part0(t: i32) {
  if (t >= 1) { return; }
  var acc0 = 0.0;
  for (var r1 = 0; r1 < select(128, 0, t < 0); r1++) {
    let v2 = a_temps[r1 + 128];
    let v3 = -v2;
    acc0 = acc0 + v3;
  }
  let v4 = acc0 / 128.0;
  a_outputs[t + 1280] = v4;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = i32(gid.x + gid.y * nwg.x * 64u);
  part0(t - 0);
}
