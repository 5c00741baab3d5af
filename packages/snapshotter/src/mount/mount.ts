/**
 * A mount as data: what a driver or the snapshotter says must be mounted, never the act itself.
 *
 * Drivers return Mount[]; only the snapshotter's mount helper (mount/perform-mount.ts) and
 * packages/sys perform them. This is containerd's "lingua franca" Mount{Type, Source, Options}.
 *
 * Options are the words of a mount(2) data string, one per element, plus the flag words the
 * helper turns into MS_* flags (`ro`, `nosuid`, `nodev`, `noexec`, `bind`, `rbind`). An option
 * of the form `key+=value` (overlay's `lowerdir+=DIR`) can only be given through the new mount
 * API (fsconfig), one call per element, which is how a mount with more layers than fit in one
 * page of options is made.
 */
export interface Mount {
  /** Filesystem type for mount(2)/fsopen(2): 'overlay', 'bind', 'fuse.fuse-overlayfs', 'ext4', ... */
  type: string;
  /** The source: a directory for a bind, a device for a block filesystem, a label for overlay. */
  source: string;
  options: string[];
}
