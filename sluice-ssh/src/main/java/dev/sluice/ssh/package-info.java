/**
 * SSH through Sluice: an Apache MINA SSHD server for callers ({@code ssh}, {@code scp}, {@code sftp}, {@code rsync}),
 * a MINA client to the target host, and the decoding that turns channel requests and SFTP packets into commands the
 * core session judges. Nothing of the security flow lives here: see {@code dev.sluice.core.session}.
 */
package dev.sluice.ssh;
