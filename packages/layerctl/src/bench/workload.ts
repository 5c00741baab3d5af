import type { Driver, Snapshotter } from '@layerctl/snapshotter';
import type { Measured, Plan } from './measure.ts';

/** How big each workload is: the sizes, or smaller ones with --quick. */
export interface Sizes {
  plan: Plan;
  /** Plan of the workloads that start a whole layerctl process per round (build, run). */
  commandPlan: Plan;
  mountDepths: number[];
  copyUpBytes: number;
  walkFiles: number;
  /** The larger file count of DiffN's cases (moby: 10000). */
  diffManyFiles: number;
}

/** What a workload runs against: one initialised driver on one filesystem, and the snapshotter over it. */
export interface WorkloadContext {
  filesystem: string;
  driver: Driver;
  snapshotter: Snapshotter;
  /** The layerctl root the driver and snapshotter serve; scratch files of a workload go in its tmp dir. */
  /** A dir beside the root on the same filesystem, for the roots of the workloads that run layerctl itself. */
  scratchDir: string;
  rootDir: string;
  tmpDir: string;
  sizes: Sizes;
  signal: AbortSignal;
  /** One step of progress: what runs now and how far along it is. */
  progress(step: string): void;
  /** Everything a workload that runs layerctl itself needs. */
  commands: CommandContext;
}

export interface CommandContext {
  /** The busybox base image as a tar (fixtures/busybox/make-rootfs.sh), imported into each root. */
  busyboxTar: string;
  /** The cgroup every RUN step and container is made below, removed after the bench. */
  cgroupParent: string;
  /** Runs a layerctl command line to its end and returns its milliseconds, spawn to exit. */
  layerctl(args: string[]): Promise<number>;
}

/** One figure of a workload, before it is labelled with its filesystem and driver. */
export interface WorkloadFigure {
  /** The case within the workload, e.g. "10 files below / 10000 above"; '' when the workload has one. */
  variant: string;
  /** What is timed, e.g. "diff", "prepare", "mount+unmount". */
  metric: string;
  /** Whether the page cache was dropped before each measured round. */
  cold: boolean;
  measured: Measured;
}

export interface Workload {
  /** Stable name, as in --json: "DiffN", "containerd", "mount-latency". */
  name: string;
  /** Where it comes from and what it does, with its parameters, printed before it runs. */
  describe(sizes: Sizes): string;
  run(context: WorkloadContext): Promise<WorkloadFigure[]>;
}
