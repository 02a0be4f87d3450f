/**
 * @file Compute pipelines for plan kernels, cached per device by WGSL code (comments aside), entry
 * point and binding layout. Concurrent requests for the same kernel share one compile. A WGSL or
 * pipeline error becomes an `InternalError` naming the kernel and quoting the offending WGSL line.
 */
import type { BindingAccess, PlanKernel } from "../codegen/plan.js";
import { kernelCode } from "../codegen/share-kernels.js";
import { InternalError } from "../diag/diagnostic.js";

const bufferBindingTypes: Record<BindingAccess, GPUBufferBindingType> = {
  read: "read-only-storage",
  read_write: "storage",
  uniform: "uniform",
};

export class PipelineCache {
  private static readonly perDevice = new WeakMap<GPUDevice, PipelineCache>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();

  private constructor(readonly device: GPUDevice) {}

  /** The cache shared by every runner on `device`. */
  static for(device: GPUDevice): PipelineCache {
    let cache = PipelineCache.perDevice.get(device);
    if (!cache) {
      cache = new PipelineCache(device);
      PipelineCache.perDevice.set(device, cache);
    }
    return cache;
  }

  /** The explicit bind group layout for group 0 of a kernel with these bindings. */
  layout(bindings: readonly BindingAccess[]): GPUBindGroupLayout {
    const key = bindings.join(",");
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = this.device.createBindGroupLayout({
        label: `group0(${key})`,
        entries: bindings.map((access, binding) => ({
          binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: bufferBindingTypes[access] },
        })),
      });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  /**
   * What identifies a kernel's pipeline: entry point, binding layout and WGSL without its comment
   * lines, so kernels that share code (`share-kernels.ts`) but not headers share a pipeline.
   */
  static key(kernel: PlanKernel, entryPoint = "main"): string {
    return `${entryPoint}\n${kernel.bindings.join(",")}\n${kernelCode(kernel)}`;
  }

  /** The pipeline for `kernel`, compiled once per distinct WGSL, entry point and layout. */
  pipeline(kernel: PlanKernel, entryPoint = "main"): Promise<GPUComputePipeline> {
    const key = PipelineCache.key(kernel, entryPoint);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.compile(kernel, entryPoint);
      this.pipelines.set(key, pipeline);
      // A failed compile is not cached, so a retry reports the error again.
      pipeline.catch(() => this.pipelines.delete(key));
    }
    return pipeline;
  }

  private async compile(kernel: PlanKernel, entryPoint: string): Promise<GPUComputePipeline> {
    const { device } = this;
    device.pushErrorScope("validation");
    const module = device.createShaderModule({ label: kernel.name, code: kernel.wgsl });
    const layout = device.createPipelineLayout({
      label: `${kernel.name}.layout`,
      bindGroupLayouts: [this.layout(kernel.bindings)],
    });
    const made = device.createComputePipelineAsync({
      label: kernel.name,
      layout,
      compute: { module, entryPoint },
    });
    const [pipeline, scope] = await Promise.allSettled([made, device.popErrorScope()]);
    if (pipeline.status === "fulfilled" && scope.status === "fulfilled" && !scope.value) {
      return pipeline.value;
    }
    const wgslError = await describeWgslErrors(kernel, module);
    const detail =
      wgslError ??
      (scope.status === "fulfilled" && scope.value ? scope.value.message : undefined) ??
      (pipeline.status === "rejected" ? String(pipeline.reason?.message ?? pipeline.reason) : "");
    throw new InternalError(`kernel ${kernel.name} does not compile: ${detail.trim()}`);
  }
}

/** The compiler's error messages for `module`, each with its WGSL line and a caret. */
async function describeWgslErrors(
  kernel: PlanKernel,
  module: GPUShaderModule,
): Promise<string | undefined> {
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === "error");
  if (errors.length === 0) return undefined;
  const lines = kernel.wgsl.split("\n");
  return errors
    .map((m) => {
      // Tint's first line is the error; the rest (overload candidates) follows the quoted line.
      const [headline, ...details] = m.message.split("\n");
      const rest = details.length > 0 ? `\n${details.join("\n")}` : "";
      const where = `WGSL ${m.lineNum}:${m.linePos}: ${headline}`;
      const text = lines[m.lineNum - 1];
      if (text === undefined) return where + rest;
      const gutter = String(m.lineNum);
      const caret = " ".repeat(gutter.length) + " | " + " ".repeat(Math.max(0, m.linePos - 1));
      return `${where}\n${gutter} | ${text}\n${caret}^${rest}`;
    })
    .join("\n");
}
