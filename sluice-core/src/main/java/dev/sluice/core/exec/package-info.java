/**
 * How Sluice reads a remote command line before it is judged, for every protocol that runs one (SSH exec,
 * {@code kubectl exec}): {@link dev.sluice.core.exec.ShellLine} reads it as the target's shell will, and
 * {@link dev.sluice.core.exec.Runners} knows which programs run other programs or code they are given. Pure: no
 * I/O, no session.
 */
package dev.sluice.core.exec;
