/**
 * How a process `meshgd swarm` starts knows its launcher has gone: its stdin is a pipe from the launcher, which
 * never writes to it, and this variable says so. When the launcher exits, even by SIGKILL, the pipe closes and the
 * process stops as on SIGTERM (src/cli/process.ts), so nothing of the swarm outlives the command that started it.
 */
export const PARENT_PIPE_ENV = 'MESHGD_PARENT_PIPE'
