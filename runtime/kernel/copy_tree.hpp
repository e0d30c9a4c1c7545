// Recursive copy of a directory's content between two directory fds, for
// the "tmpcopyup" mount option: what the rootfs had under a directory is
// copied into the tmpfs mounted over it. Never follows a symlink.
#pragma once

namespace berth::kernel {

// Copies every entry of srcDir into dstDir (both O_RDONLY|O_DIRECTORY fds):
// directories, regular files, symlinks, fifos and device nodes, with their
// mode, owner and modification time. Sockets are skipped. Throws Error.
void copy_tree(int srcDir, int dstDir);

}  // namespace berth::kernel
