#include "runtime/kernel/console.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "common/error.hpp"
#include "runtime/kernel/fd_passing.hpp"

namespace berth::kernel {
namespace {

// Opens the slave of an unlocked master. TIOCGPTPEER opens it through the
// master's own devpts instance, so no path lookup can be redirected.
UniqueFd open_slave(int master, std::string& path) {
    int pty = -1;
    if (::ioctl(master, TIOCGPTN, &pty) != 0) throw_errno("ioctl(TIOCGPTN) on /dev/ptmx");
    path = "/dev/pts/" + std::to_string(pty);
    int fd = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EINVAL && errno != ENOTTY) throw_errno("ioctl(TIOCGPTPEER) on /dev/ptmx");
    UniqueFd slave(::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) throw_errno("open " + path);
    return slave;
}

// /dev/console as an O_PATH fd, creating an empty file there if needed.
UniqueFd open_console_target() {
    const char* path = "/dev/console";
    UniqueFd fd(::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && errno == ENOENT) {
        UniqueFd created(::open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
        if (!created && errno != EEXIST) throw_errno("create /dev/console");
        fd.reset(::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    }
    if (!fd) throw_errno("open /dev/console");
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat /dev/console");
    if (S_ISLNK(st.st_mode)) throw Error("/dev/console is a symlink", ELOOP);
    if (S_ISDIR(st.st_mode)) throw Error("/dev/console is a directory", EISDIR);
    return fd;
}

void mount_console(int slave, const std::string& slavePath) {
    UniqueFd target = open_console_target();
    // Clone a mount of the slave itself (through its fd) and attach it onto
    // the target fd: neither end is looked up by path again.
    UniqueFd tree(::open_tree(slave, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (tree) {
        if (::move_mount(tree.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
            throw_errno("bind mount " + slavePath + " on /dev/console");
        return;
    }
    if (errno != ENOSYS) throw_errno("open_tree " + slavePath);
    // Kernels before 5.2: by name, through the fd of the checked target.
    const std::string targetPath = "/proc/self/fd/" + std::to_string(target.get());
    if (::mount(slavePath.c_str(), targetPath.c_str(), nullptr, MS_BIND, nullptr) != 0)
        throw_errno("bind mount " + slavePath + " on /dev/console");
}

}  // namespace

UniqueFd connect_console_socket(const std::string& path) {
    const std::string what = "connect console socket " + path;
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) throw_errno(what);
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::string target = path;
    UniqueFd dir;
    if (target.size() >= sizeof addr.sun_path) {
        // Too long for sun_path: go through /proc/self/fd/<dir fd>/<name>.
        size_t slash = path.rfind('/');
        std::string dirPath = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
        dir.reset(::open(dirPath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir) throw_errno(what);
        target = "/proc/self/fd/" + std::to_string(dir.get()) + "/" + path.substr(slash + 1);
        if (target.size() >= sizeof addr.sun_path) throw Error(what + ": file name too long", ENAMETOOLONG);
    }
    if (target.empty()) throw Error(what + ": empty path", EINVAL);
    std::memcpy(addr.sun_path, target.data(), target.size());
    int rc;
    do {
        rc = ::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) throw_errno(what);
    return sock;
}

void set_window_size(int ttyFd, const spec::ConsoleSize& size) {
    struct winsize ws {};
    ws.ws_row = static_cast<unsigned short>(size.height);
    ws.ws_col = static_cast<unsigned short>(size.width);
    if (::ioctl(ttyFd, TIOCSWINSZ, &ws) != 0)
        throw_errno("set console size " + std::to_string(size.width) + "x" + std::to_string(size.height));
}

void setup_console(int consoleSocket, const std::optional<spec::ConsoleSize>& size, bool bindDevConsole) {
    UniqueFd sock(consoleSocket);
    UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) throw_errno("open /dev/ptmx");
    int unlock = 0;
    if (::ioctl(master.get(), TIOCSPTLCK, &unlock) != 0) throw_errno("unlock pty");
    std::string slavePath;
    UniqueFd slave = open_slave(master.get(), slavePath);
    if (size) set_window_size(slave.get(), *size);

    if (bindDevConsole) mount_console(slave.get(), slavePath);

    try {
        send_fd(sock.get(), master.get(), "/dev/ptmx");
    } catch (const Error& e) {
        throw e.wrap("send console master to the console socket");
    }
    master.reset();
    sock.reset();

    // The container init is not a process group leader (its group is the
    // parent's), so setsid() succeeds; a caller may already have done it.
    if (::getsid(0) != ::getpid() && ::setsid() < 0) throw_errno("setsid");
    if (::ioctl(slave.get(), TIOCSCTTY, 0) != 0) throw_errno("ioctl(TIOCSCTTY) on " + slavePath);
    // If the slave landed on 0-2 (stdio was closed), dup2 onto itself would
    // keep O_CLOEXEC and the destructor would close it: move it above 2.
    if (slave.get() <= 2) {
        UniqueFd moved(::fcntl(slave.get(), F_DUPFD_CLOEXEC, 3));
        if (!moved) throw_errno("dup " + slavePath);
        slave = std::move(moved);
    }
    for (int fd = 0; fd <= 2; ++fd)
        if (::dup2(slave.get(), fd) < 0) throw_errno("dup2 " + slavePath + " to fd " + std::to_string(fd));
}

}  // namespace berth::kernel
