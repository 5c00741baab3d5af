import type { Migration } from '../schema.ts';

/**
 * Containers and named volumes (packages/layerctl/src/containers). Owned by the container
 * lifecycle; the columns are settled when `layerctl run` lands and never edited after.
 *
 * A container's process is named by its host pid AND that pid's start time (field 22 of
 * /proc/<pid>/stat, in clock ticks since boot): a pid the kernel has since given to another
 * process has another start time, so a container whose process died unseen reads as exited
 * instead of as the stranger now holding its pid.
 */
export const containersMigration: Migration = {
  description: 'containers and named volumes',
  apply: (db) =>
    db.exec(`
      CREATE TABLE containers (
        id TEXT PRIMARY KEY,
        name TEXT UNIQUE NOT NULL,
        -- created: layers and bundle made, never started; running, paused; exited (finished_at set).
        state TEXT NOT NULL CHECK (state IN ('created', 'running', 'paused', 'exited')),
        pid INTEGER,
        pid_start_time INTEGER,
        -- NULL while it runs, and for a container whose end nobody saw (its monitor died too).
        exit_code INTEGER,
        oom_killed INTEGER NOT NULL DEFAULT 0,
        -- The image as the user named it, and its id (config digest) at run time.
        image TEXT NOT NULL,
        image_id TEXT NOT NULL,
        -- JSON array: the process's argv as it was started (entrypoint and cmd resolved).
        command TEXT NOT NULL,
        -- JSON object: name, hostname, env, mounts, resources, network mode, auto-remove... (containers/container-config.ts).
        config TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER
      );
      CREATE INDEX containers_image ON containers(image_id);
      CREATE TABLE volumes (
        name TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL
      );
    `),
};
