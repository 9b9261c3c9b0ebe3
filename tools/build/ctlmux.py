#!/usr/bin/python3
"""The VMM's console line shared between a terminal and vmctl clients.

QEMU serves the VMM's UART as a Unix socket (RUNDIR/uart.sock). This
program connects to it and
  - shows typed text and the VMM's output on the terminal (stdin/stdout),
  - listens on RUNDIR/vmm.sock for vmctl; each client's frames go to the
    UART whole, with request ids rewritten so that replies and console
    data (which carry a request's id) find their way back,
  - keeps control frames off the terminal.
Ctrl-A X on the terminal quits (QEMU too); Ctrl-A Ctrl-A sends Ctrl-A.

The frame format is vmm/include/ctl/proto.h; the CRC is zlib's crc32.
"""
import os
import select
import socket
import struct
import sys
import termios
import time
import tty
import zlib

SOF, MAGIC, VERSION = 0x01, 0xC7, 1
HDR = 12
MAX_PAYLOAD = 4096
CONSOLE_ATTACH, CONSOLE_DETACH = 16, 18


class Decoder:
    """Splits a byte stream into text and checked frames, as proto.c does."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        """Yields ("text", bytes) and ("frame", (type, id, status, payload))."""
        text = bytearray()
        for b in data:
            buf = self.buf
            if not buf:
                if b == SOF:
                    buf.append(b)
                else:
                    text.append(b)
                continue
            if len(buf) == 1 and b != MAGIC:
                text.append(SOF)
                buf.clear()
                if b == SOF:
                    buf.append(b)
                else:
                    text.append(b)
                continue
            buf.append(b)
            if len(buf) == HDR:
                if buf[2] != VERSION or struct.unpack_from("<H", buf, 8)[0] > MAX_PAYLOAD:
                    buf.clear()  # a bad frame: dropped
                continue
            if len(buf) < HDR:
                continue
            length = struct.unpack_from("<H", buf, 8)[0]
            if len(buf) < HDR + length + 4:
                continue
            crc = struct.unpack_from("<I", buf, HDR + length)[0]
            if crc == zlib.crc32(bytes(buf[1:HDR + length])):
                if text:
                    yield ("text", bytes(text))
                    text = bytearray()
                ftype, fid, _, status = struct.unpack_from("<BIHh", buf, 3)
                yield ("frame", (ftype, fid, status, bytes(buf[HDR:HDR + length])))
            buf.clear()
        if text:
            yield ("text", bytes(text))


def encode(ftype, fid, status, payload):
    body = struct.pack("<BBBIHh", MAGIC, VERSION, ftype, fid, len(payload), status) + payload
    return bytes([SOF]) + body + struct.pack("<I", zlib.crc32(body))


class Mux:
    def __init__(self, rundir, out=None):
        self.rundir = rundir
        self.out = out if out is not None else sys.stdout.buffer
        self.uart = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        path = os.path.join(rundir, "uart.sock")
        for _ in range(100):
            try:
                self.uart.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.1)
        else:
            raise SystemExit(f"ctlmux: cannot connect to {path}")
        self.listen_path = os.path.join(rundir, "vmm.sock")
        if os.path.exists(self.listen_path):
            os.unlink(self.listen_path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.listen_path)
        self.listener.listen(8)
        self.decoder = Decoder()
        self.clients = {}  # socket -> Decoder
        self.routes = {}  # mux id -> (client socket, client's id)
        self.attached = {}  # client socket -> mux ids of its console attaches
        self.next_id = 1
        self.send_at_prompt = None  # typed once the VMM's first prompt shows
        self.seen = b""

    def to_uart(self, data):
        self.uart.sendall(data)

    def from_client(self, c, data):
        for kind, item in self.clients[c].feed(data):
            if kind != "frame":
                continue  # vmctl sends frames only
            ftype, fid, status, payload = item
            mid = self.next_id
            self.next_id = (self.next_id + 1) & 0xFFFFFFFF or 1
            if ftype in (17, CONSOLE_DETACH):  # input and detach reuse the attach's id
                mid = next((m for m, (cc, i) in self.routes.items()
                            if cc is c and i == fid), mid)
            self.routes[mid] = (c, fid)
            if ftype == CONSOLE_ATTACH:
                self.attached.setdefault(c, []).append(mid)
            self.to_uart(encode(ftype, mid, status, payload))

    def drop_client(self, c):
        for mid in self.attached.pop(c, []):
            self.to_uart(encode(CONSOLE_DETACH, mid, 0, b""))
        self.routes = {m: r for m, r in self.routes.items() if r[0] is not c}
        self.clients.pop(c, None)
        c.close()

    def from_uart(self, data):
        for kind, item in self.decoder.feed(data):
            if kind == "text":
                self.out.write(item)
                self.out.flush()
                if self.send_at_prompt is not None:
                    self.seen = (self.seen + item)[-64:]
                    if b"vmm> " in self.seen:
                        self.to_uart(self.send_at_prompt.encode() + b"\r")
                        self.send_at_prompt = None
                continue
            ftype, mid, status, payload = item
            route = self.routes.get(mid)
            if route is None:
                continue
            c, fid = route
            if ftype & 0x80 and ftype != (CONSOLE_ATTACH | 0x80):
                del self.routes[mid]  # answered; an attach's id lives on for its console
            try:
                c.sendall(encode(ftype, fid, status, payload))
            except OSError:
                self.drop_client(c)

    def run(self, stdin_fd=None):
        """Serves until QEMU goes away or Ctrl-A X is typed."""
        escape = False
        while True:
            fds = [self.uart, self.listener] + list(self.clients)
            if stdin_fd is not None:
                fds.append(stdin_fd)
            ready, _, _ = select.select(fds, [], [])
            for r in ready:
                if r is self.uart:
                    data = self.uart.recv(65536)
                    if not data:
                        return
                    self.from_uart(data)
                elif r is self.listener:
                    c, _ = self.listener.accept()
                    self.clients[c] = Decoder()
                elif r is stdin_fd:
                    data = os.read(stdin_fd, 1024)
                    if not data:
                        stdin_fd = None
                        continue
                    keep = bytearray()
                    for b in data:
                        if escape:
                            escape = False
                            if b in (ord("x"), ord("X")):
                                return
                            keep.append(b)
                        elif b == 0x01:
                            escape = True
                        else:
                            keep.append(b)
                    if keep:
                        self.to_uart(bytes(keep))
                else:
                    try:
                        data = r.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        self.drop_client(r)
                    else:
                        self.from_client(r, data)


def serve(rundir, interactive=True, send=None):
    mux = Mux(rundir)
    mux.send_at_prompt = send
    fd = sys.stdin.fileno()
    saved = None
    if interactive and os.isatty(fd):
        saved = termios.tcgetattr(fd)
        tty.setraw(fd)
    try:
        mux.run(fd if interactive else None)
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if os.path.exists(mux.listen_path):
            os.unlink(mux.listen_path)
