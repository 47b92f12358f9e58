"""No network for the processes that evaluate client queries: a seccomp filter, installed once, irreversible.

The query guard keeps ``SERVICE`` and updates away from the store; this is the second wall. Oxigraph sends an HTTP
request for every ``SERVICE`` it evaluates, so a future guard bug would be a server-side request forgery. A query
worker therefore installs a seccomp-BPF filter (``prctl(PR_SET_NO_NEW_PRIVS)`` then
``seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)``, through ctypes) before it opens the store: ``socket``,
``socketpair``, ``connect``, ``bind``, ``listen``, ``accept``, the ``send*`` calls and io_uring (which could open
sockets past the filter) fail with EACCES in every thread, for the rest of the process's life and in any child
it starts. The worker keeps the socket it inherited from the service (reads and writes on it are ``read`` and
``write``). Why seccomp and not a network namespace: it needs no privileges and no kernel setting (unprivileged
user namespaces are switched off on many hardened hosts), it cannot be undone from inside, and it also forbids
Unix-domain sockets (a database's socket file, the Docker socket).

Linux on x86-64 and arm64 only; ``supported()`` says whether this host can, and the service refuses to start
query workers without it unless ``INBURGERING_QUERY_SANDBOX=false`` (docs/security.md).
"""

from __future__ import annotations

import ctypes
import errno
import platform
import socket
import struct
import sys

PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
#: Per machine: the audit architecture, the seccomp syscall and the denied syscalls (asm/unistd.h).
ARCHES = {
    "x86_64": (0xC000003E, 317, {
        "socket": 41, "connect": 42, "accept": 43, "sendto": 44, "sendmsg": 46, "bind": 49, "listen": 50,
        "socketpair": 53, "accept4": 288, "sendmmsg": 307,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427}),
    "aarch64": (0xC00000B7, 277, {
        "socket": 198, "socketpair": 199, "bind": 200, "listen": 201, "accept": 202, "connect": 203,
        "sendto": 206, "sendmsg": 211, "accept4": 242, "sendmmsg": 269,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427}),
}
X32_SYSCALL_BIT = 0x40000000
# classic BPF opcodes
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06


class SandboxError(OSError):
    """The filter could not be installed or does not hold."""


def _arch() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


def supported() -> bool:
    """Whether this host can run sandboxed query workers (Linux, x86-64 or arm64)."""
    return sys.platform.startswith("linux") and _arch() in ARCHES


def _program(audit_arch: int, denied: list[int]) -> bytes:
    """The BPF program: other architectures (the 32-bit ABI) and the x32 ABI are denied whole; then each
    denied syscall number returns EACCES; everything else is allowed."""
    deny = SECCOMP_RET_ERRNO | errno.EACCES
    insns: list[tuple[int, int, int, int]] = [
        (_LD_W_ABS, 0, 0, 4),                               # seccomp_data.arch
        (_JEQ_K, 1, 0, audit_arch),                         # ours: skip the next instruction
        (_RET_K, 0, 0, deny),
        (_LD_W_ABS, 0, 0, 0),                               # seccomp_data.nr
    ]
    if audit_arch == ARCHES["x86_64"][0]:
        insns += [(_JGE_K, 0, 1, X32_SYSCALL_BIT), (_RET_K, 0, 0, deny)]
    for index, number in enumerate(denied):
        to_deny = len(denied) - index  # jump over the remaining compares and the ALLOW to the final DENY
        insns.append((_JEQ_K, to_deny, 0, number))
    insns += [(_RET_K, 0, 0, SECCOMP_RET_ALLOW), (_RET_K, 0, 0, deny)]
    return b"".join(struct.pack("HBBI", *insn) for insn in insns)


def deny_network() -> None:
    """Install the filter on this process (all its threads) and check that it holds; raises ``SandboxError``."""
    if not supported():
        raise SandboxError(f"no query sandbox on {sys.platform}/{platform.machine()}: needs Linux on x86-64 or "
                           "arm64 (seccomp)")
    audit_arch, seccomp_nr, numbers = ARCHES[_arch()]
    program = _program(audit_arch, sorted(numbers.values()))
    filters = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program) // 8, ctypes.cast(filters, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {errno.errorcode.get(ctypes.get_errno())}")
    if libc.syscall(seccomp_nr, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog)) != 0:
        raise SandboxError(f"seccomp(SET_MODE_FILTER) failed: {errno.errorcode.get(ctypes.get_errno())}")
    check()


def check() -> None:
    """Raise ``SandboxError`` unless this process is unable to open a socket."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return
    raise SandboxError("the query sandbox does not hold: this process can still open a network socket")


__all__ = ["SandboxError", "check", "deny_network", "supported"]
