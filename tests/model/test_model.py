"""Differential test: the C memory core (hyp/core/mem.c, built for the host
as build/host/model/libmemcore.so) against the Python model (model.py).

Random operations, valid and invalid, from several VMs: VM life cycle
(each VM with RAM [0, 14 MiB) and a device page outside it, as on GICv2),
vCPUs entering and leaving CPUs, prot_and_map (pages and blocks),
clear_vm_range, grant, revoke, VMM stage-2 faults, info calls. After every step the result codes, the whole ownership
table, every VM's mappings, the VMM's mappings and the table-page counts
must be equal, and the C side's invariants must hold. The seed and the
operation count are printed; a failure prints the shortest sequence found
that still fails.

Environment: MODEL_SEED (default: random), MODEL_OPS (default 100000),
MODEL_WORKERS (default 2: processes, worker k from seed MODEL_SEED + k).
"""
import array
import ctypes
import multiprocessing
import os
import random
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HYP_BUILD", os.path.join(ROOT, "build"))
LIB = os.path.join(BUILD, "host", "model", "libmemcore.so")

POOL, HOST_LIMIT, VM_LIMIT = 40, 20, 8
SEQUENCE = 2000  # operations per fresh machine


class Core:
    """ctypes view of libmemcore.so."""

    def __init__(self):
        lib = ctypes.CDLL(LIB)
        u32, u64, s64 = ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int64
        for name, args in [
            ("mem_vm_destroy", [u32]), ("mem_vm_start", [u32]), ("mem_vm_stop", [u32]),
            ("mem_prot_and_map", [u32, u64, u64, u64]),
            ("mem_clear_vm_range", [u32, u64, u64]),
            ("mem_grant", [u32, u64, u64]), ("mem_revoke", [u32, u64, u64]),
            ("mem_info", [u64, ctypes.POINTER(u64)]),
            ("mem_page_info", [u64, ctypes.POINTER(u64)]),
            ("mem_host_fault", [u64, ctypes.c_bool, ctypes.POINTER(ctypes.c_char_p)]),
            ("bridge_vm_create", []), ("bridge_vm_enter", [u32]), ("bridge_vm_leave", [u32]),
            ("mem_lend", [u32, u64, u64]), ("mem_unlend", [u32]),
        ]:
            fn = getattr(lib, name)
            fn.argtypes = args
            fn.restype = s64
        lib.bridge_init.restype = ctypes.c_int
        lib.bridge_dump_host.restype = ctypes.c_int
        lib.bridge_dump_vm.restype = ctypes.c_int
        lib.bridge_invariants.restype = ctypes.c_int
        self.lib = lib
        self.nframes = lib.bridge_nframes()
        self.window = lib.bridge_window_pages()
        self.owner = (ctypes.c_uint8 * self.nframes)()
        self.count = (ctypes.c_uint8 * self.nframes)()
        self.gfn = (ctypes.c_uint32 * self.nframes)()
        self.code = (ctypes.c_uint8 * self.nframes)()
        self.dev = ctypes.c_uint8()
        self.vmmap = (ctypes.c_uint32 * self.window)()
        self.out = (ctypes.c_uint64 * 3)()
        self.why = ctypes.c_char_p()

    def init(self):
        assert self.lib.bridge_init(POOL, HOST_LIMIT, VM_LIMIT) == 0

    def run(self, op):
        name, args = op[0], op[1:]
        lib = self.lib
        if name == "create":
            return lib.bridge_vm_create(), None
        if name in ("info", "page_info"):
            fn = lib.mem_info if name == "info" else lib.mem_page_info
            r = fn(args[0], self.out)
            return r, tuple(self.out) if r == 0 else None
        if name == "fault":
            return lib.mem_host_fault(args[0], args[1], ctypes.byref(self.why)), None
        fn = {"destroy": lib.mem_vm_destroy, "start": lib.mem_vm_start,
              "enter": lib.bridge_vm_enter, "leave": lib.bridge_vm_leave,
              "stop": lib.mem_vm_stop, "map": lib.mem_prot_and_map,
              "clear": lib.mem_clear_vm_range, "grant": lib.mem_grant,
              "revoke": lib.mem_revoke, "lend": lib.mem_lend, "unlend": lib.mem_unlend}[name]
        return fn(*args), None


def model_run(m, op):
    name, args = op[0], op[1:]
    if name == "create":
        return m.vm_create(), None
    if name == "info":
        r, out = m.info(args[0])
        return r, out if r == 0 else None
    if name == "page_info":
        return m.page_info(args[0])
    if name == "fault":
        return m.host_fault(*args), None
    return {"destroy": m.vm_destroy, "start": m.vm_start, "stop": m.vm_stop,
            "enter": m.vm_enter, "leave": m.vm_leave,
            "map": m.prot_and_map, "clear": m.clear,
            "grant": lambda v, g, s: m.share(v, g, s, True),
            "revoke": lambda v, g, s: m.share(v, g, s, False),
            "lend": m.lend, "unlend": m.unlend}[name](*args), None


def frame_list():
    out = []
    for base, n in M.BANKS:
        out.extend(range(base, base + n))
    return out


FRAMES = frame_list()
CODES = {M.RW: 1, M.RO: 2, M.DEV: 3}


def model_dump(m, window):
    """The model's state in the layout of the bridge's dumps."""
    code = bytearray(M.NFRAMES)
    dev = 0
    t = m.host
    for b, (pa, attr) in t.blocks.items():
        i = M.frame_index(b << 9)
        code[i:i + 512] = bytes([CODES[attr]]) * 512
    for p, (pa, attr) in t.pages.items():
        i = M.frame_index(p)
        if i is not None:
            code[i] = CODES[attr]
        elif p << 12 == M.DEV_PAGE:
            dev = CODES[attr]
    vms = {}
    for vmid, (state, table, *_) in m.vms.items():
        arr = array.array("I", bytes(4 * window))
        for b, (pa, _) in table.blocks.items():
            g = b << 9
            if g < window:
                arr[g:g + 512] = array.array("I", range(pa >> 12, (pa >> 12) + 512))
        for p, (pa, _) in table.pages.items():
            if p < window:
                arr[p] = pa >> 12
        vms[vmid] = arr.tobytes()
    return (bytes(m.frames.owner), bytes(m.frames.count), m.frames.gfn, bytes(code),
            dev, vms)


def compare(core, m):
    """None if C and model agree on the whole state, else what differs."""
    lib = core.lib
    lib.bridge_dump_pages(core.owner, core.count, core.gfn)
    if lib.bridge_dump_host(core.code, ctypes.byref(core.dev)) != 0:
        return "the VMM's map has a non-identity or foreign leaf"
    owner, count, gfn, code, dev, vms = model_dump(m, core.window)
    if bytes(core.owner) != owner:
        i = next(i for i in range(len(owner)) if core.owner[i] != owner[i])
        return f"owner of pfn 0x{FRAMES[i]:x}: C {core.owner[i]}, model {owner[i]}"
    if bytes(core.count) != count:
        i = next(i for i in range(len(count)) if core.count[i] != count[i])
        return f"count of pfn 0x{FRAMES[i]:x}: C {core.count[i]}, model {count[i]}"
    if list(core.gfn) != gfn:
        i = next(i for i in range(len(gfn)) if core.gfn[i] != gfn[i])
        return f"gfn of pfn 0x{FRAMES[i]:x}: C {core.gfn[i]}, model {gfn[i]}"
    if bytes(core.code) != code or core.dev.value != dev:
        i = next((i for i in range(len(code)) if core.code[i] != code[i]), None)
        if i is None:
            return f"VMM device page: C {core.dev.value}, model {dev}"
        return f"VMM map of pfn 0x{FRAMES[i]:x}: C {core.code[i]}, model {code[i]}"
    for vmid in range(1, M.MAX_VMS + 1):
        r = lib.bridge_dump_vm(vmid, core.vmmap)
        if vmid not in vms:
            if r == 0:
                return f"vm {vmid}: exists in C only"
            continue
        if r != 0:
            return f"vm {vmid}: missing in C, or maps outside the window"
        if bytes(core.vmmap) != vms[vmid]:
            want = array.array("I", vms[vmid])
            g = next(g for g in range(core.window) if core.vmmap[g] != want[g])
            return f"vm {vmid} gfn 0x{g:x}: C pfn 0x{core.vmmap[g]:x}, model 0x{want[g]:x}"
    for owner_id in [M.HOST, M.HYP] + list(range(1, M.MAX_VMS + 1)):
        r = lib.mem_info(owner_id, core.out)
        mr, mout = m.info(owner_id)
        if r != mr or (r == 0 and tuple(core.out) != mout):
            return f"mem_info({owner_id}): C {r} {tuple(core.out)}, model {mr} {mout}"
    if lib.bridge_invariants() != 0:
        return "C invariants violated"
    return None


class Gen:
    """Random operations, biased towards the interesting cases: grants and
    revokes mostly over pages that were mapped or granted before, with
    ranges one page longer or shorter than a previous grant."""

    def __init__(self, rnd):
        self.r = rnd
        self.mapped = []   # (vmid, gpa) of maps made
        self.granted = []  # (vmid, gpa, size) of grants made
        self.rest = None   # the rest of a grant or revoke the steps cut short

    def note(self, op, result):
        """Remembers what succeeded, to aim later operations at it."""
        if op[0] in ("grant", "revoke") and isinstance(result, int) and result > 0:
            # done that far: usually the caller goes on with the rest
            if self.r.random() < 0.8:
                self.rest = (op[0], op[1], op[2] + result, op[3] - result)
            return
        if result != 0:
            return
        if op[0] == "map":
            self.mapped.append((op[1], op[2]))
            self.mapped = self.mapped[-64:]
        elif op[0] == "grant":
            self.granted.append(op[1:4])
            self.granted = self.granted[-64:]
        elif op[0] == "create":
            pass

    def share_args(self, revoke):
        r = self.r
        if revoke and self.granted and r.random() < 0.6:
            vmid, gpa, size = r.choice(self.granted)
            return vmid, gpa, max(0, size + r.choice([0, 0, 4096, -4096]))
        if self.mapped and r.random() < 0.05:
            return r.choice(self.mapped)[0], 0, 14 << 20  # all its RAM
        if self.mapped and r.random() < 0.7:
            vmid, gpa = r.choice(self.mapped)
            gpa = max(0, gpa + r.choice([0, 0, -4096, 4096]))
            return vmid, gpa, r.randrange(1, 5) * 4096 - r.choice([0, 0, 100])
        return self.vmid(), self.gpa(), self.size()

    def vmid(self):
        return self.r.choice([1, 1, 2, 2, 3, 4, 0, 9, 8])

    def pa(self, block=False):
        r = self.r
        k = r.random()
        if k < 0.04:
            return r.choice([0, 0x1000, 0x10000000, 0x7ffff000, 1 << 45])
        if k < 0.08:
            return r.randrange(0, 1 << 64)
        base, n = r.choice([M.BANKS[0], M.BANKS[0], M.BANKS[1]])
        if block:
            pfn = base + r.randrange(0, n // 512) * 512
            if r.random() < 0.1:
                pfn += r.randrange(1, 512)
        else:
            pfn = base + r.randrange(0, n)
        return pfn << 12

    def gpa(self, block=False):
        r = self.r
        k = r.random()
        if k < 0.03:
            # Invalid only: the test compares VM maps over [0, 16 MiB).
            return r.choice([1 << 40, (1 << 40) + 0x200000, (1 << 64) - 0x1000])
        if k < 0.06:
            return r.randrange(0, 16 << 20)  # unaligned
        if block:
            return r.randrange(0, 8) << 21
        return r.randrange(0, 4096) << 12

    def size(self):
        r = self.r
        k = r.random()
        if k < 0.03:
            return r.choice([(1 << 64) - 1, 1 << 40, 0])
        if k < 0.3:
            return r.randrange(1, 3 << 21)
        return r.randrange(1, 16) * 4096 - r.choice([0, 0, 1, 2048])

    def op(self):
        r = self.r
        if self.rest is not None:
            op, self.rest = self.rest, None
            return op
        k = r.random()
        if k < 0.05:
            return ("create",)
        if k < 0.08:
            return ("start", self.vmid())
        if k < 0.10:
            return ("stop", self.vmid())
        if k < 0.12:
            return ("destroy", self.vmid())
        if k < 0.14:
            # a vCPU of the VM going onto a CPU or leaving it: stop turns
            # the VM off at once, clear and destroy wait for the last one
            return (r.choice(["enter", "leave"]), self.vmid())
        if k < 0.40:
            block = r.random() < 0.2
            level = 2 if block else 3
            if r.random() < 0.03:
                level = r.choice([0, 1, 4, 7])
            return ("map", self.vmid(), self.gpa(block), self.pa(block) | r.choice([0, 3, 0x403]), level)
        if k < 0.45:
            if r.random() < 0.7:
                return ("clear", self.vmid(), 0, 1 << 21)
            return ("clear", self.vmid(), self.pa() >> 12, r.choice([1, 512, 4096, (1 << 64) - 1]))
        if k < 0.60:
            return ("grant",) + self.share_args(False)
        if k < 0.72:
            return ("revoke",) + self.share_args(True)
        if k < 0.75:
            # beside the VM's RAM (its device page at 15 MiB), or anywhere
            gpa = M.VM_DEV_IPA + r.randrange(0, 3) * 4096 if r.random() < 0.7 else self.gpa()
            return ("lend", self.vmid(), gpa, self.pa())
        if k < 0.77:
            return ("unlend", self.vmid())
        if k < 0.95:
            ipa = self.pa() | r.randrange(0, 4096)
            if r.random() < 0.05:
                ipa = M.DEV_PAGE + r.randrange(0, 4096)
            return ("fault", ipa, r.random() < 0.3)
        if k < 0.975:
            return ("info", r.choice([0, 1, 2, 3, 0xFE, 0xFF, 17]))
        return ("page_info", self.pa() >> 12)


def replay(core, ops):
    """Index of the first step where C and model disagree, or None."""
    core.init()
    m = M.Model(POOL, HOST_LIMIT, VM_LIMIT)
    for i, op in enumerate(ops):
        c = core.run(op)
        mm = model_run(m, op)
        if c != mm or compare(core, m) is not None:
            return i
    return None


def shrink(core, ops):
    """A shorter sequence that still fails (ddmin over chunks)."""
    fail = replay(core, ops)
    ops = ops[:fail + 1]
    chunk = max(1, len(ops) // 2)
    deadline = time.monotonic() + 120
    while chunk >= 1 and time.monotonic() < deadline:
        i = 0
        changed = False
        while i < len(ops) - 1 and time.monotonic() < deadline:
            trial = ops[:i] + ops[i + chunk:]
            f = replay(core, trial) if trial else None
            if f is not None:
                ops = trial[:f + 1]
                changed = True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return ops


def run_seed(seed, total):
    """total random operations from Random(seed) in sequences of SEQUENCE:
    (operations done, accepted, refused, None) or, at the first step where
    C and model disagree, a failure message with the shortest failing
    sequence in place of None."""
    rnd = random.Random(seed)
    gen = Gen(rnd)
    core = Core()
    done = 0
    results = {}
    while done < total:
        core.init()
        m = M.Model(POOL, HOST_LIMIT, VM_LIMIT)
        ops = []
        for _ in range(min(SEQUENCE, total - done)):
            op = gen.op()
            ops.append(op)
            c = core.run(op)
            mm = model_run(m, op)
            gen.note(op, c[0] if op[0] != "create" else (0 if c[0] > 0 else c[0]))
            diff = None if c == mm else f"result: C {c}, model {mm}"
            diff = diff or compare(core, m)
            done += 1
            results[c[0] >= 0] = results.get(c[0] >= 0, 0) + 1
            if diff is not None:
                short = shrink(core, ops)
                listing = "\n".join(f"  {i}: {o}" for i, o in enumerate(short))
                return done, 0, 0, (f"seed {seed} (MODEL_SEED={seed} MODEL_WORKERS=1 repeats it), "
                                    f"operation {done}: {diff}\n"
                                    f"shortest failing sequence ({len(short)} operations):\n{listing}")
    return done, results.get(True, 0), results.get(False, 0), None


def test_differential():
    """MODEL_OPS operations split over MODEL_WORKERS processes (default 2,
    one a core), worker k drawing from seed MODEL_SEED + k."""
    if not os.path.exists(LIB):
        pytest.fail(f"{LIB} is missing: build it with make -C tests/model")
    seed = int(os.environ.get("MODEL_SEED", random.randrange(1 << 32)))
    total = int(os.environ.get("MODEL_OPS", "100000"))
    workers = max(1, int(os.environ.get("MODEL_WORKERS", "2")))
    shares = [total // workers + (1 if k < total % workers else 0) for k in range(workers)]
    print(f"\nmodel: seed {seed}, {total} operations in sequences of {SEQUENCE}, "
          f"{workers} worker{'s' if workers > 1 else ''} (seeds {seed}..{seed + workers - 1})")
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        outs = pool.starmap(run_seed, [(seed + k, n) for k, n in enumerate(shares)])
    for _, _, _, failure in outs:
        if failure is not None:
            pytest.fail(failure)
    done = sum(o[0] for o in outs)
    print(f"model: {done} operations agreed ({sum(o[1] for o in outs)} accepted, "
          f"{sum(o[2] for o in outs)} refused)")
    assert done >= total
