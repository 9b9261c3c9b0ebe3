"""An executable model of the hyp's memory operations.

Written from the specifications (shared/spec/MemoryOpsRefine.md) as this
project refines them (docs/security.md, docs/ipc.md): every refused request
returns its error and changes nothing. It shares no code with the C core;
the differential test (test_model.py) runs both side by side.

The machine is the host tests' (tests/support/fake_arch.c): RAM banks at
0x40000000 (8 MiB, the first 2 MiB the hyp's) and 0x80000000 (4 MiB), a
read-only bundle at 0x40600000 (64 KiB), a device page at 0x09000000.

Page tables are modelled at the level of detail that decides results: which
level-2 and level-3 tables exist (table pages come from one pool, with a
limit per tree), block and page leaves, splitting a block when one page of
it is removed, freeing the VMM's level-3 table with its last page, and
making a VMM region one block again when its frames are all the VMM's.

Grant and revoke take at most SHARE_STEPS steps per call (a mapped page,
or an unmapped stretch skipped a table entry at a time) and return how far
they got when the steps run out. A lend maps one VMM frame read-only into
one VM outside its RAM; the frame's count is 1 while it is lent.
"""

PAGE = 4096
BLOCK = 2 << 20
IPA_BITS = 40
MAX_VMS = 8
MAX_SHARE = 100
SHARE_STEPS = 512
INVALID_COUNT = 0xFF

HOST, HYP, NOT_RAM = 0, 0xFE, 0xFF

OK, NOT_SUPPORTED, EINVAL, DENIED, BUSY, NOMEM, NOT_FOUND, LIMIT, NOT_GRANTED = (
    0, -1, -2, -3, -4, -5, -6, -7, -8)

FREE, CREATED, RUNNING, OFF = 0, 1, 2, 3

BANKS = [(0x40000000 >> 12, (8 << 20) >> 12), (0x80000000 >> 12, (4 << 20) >> 12)]
HYP_RANGE = (0x40000000, 2 << 20)
RO_RANGE = (0x40600000, 64 << 10)
DEV_PAGE = 0x09000000
# Every VM's layout (bridge.c): RAM [0, 14 MiB), the device page at 15 MiB.
VM_RAM = (0, 14 << 20)
VM_DEV_IPA = 15 << 20

# Attribute tokens of leaves: the VMM's three kinds, a VM's own and lent.
RW, RO, DEV, VM, LENT = "rw", "ro", "dev", "vm", "lent"

# Errors of the page-table layer.
PT_EXISTS, PT_NOMEM = "exists", "nomem"


class Pool:
    def __init__(self, pages):
        self.free = pages


class Table:
    """One stage-2 tree: level-1 root, level-2 and level-3 tables."""

    def __init__(self, pool, limit):
        self.pool = pool
        self.limit = limit
        self.used = 0
        self.l2 = set()       # 1 GiB indices with a level-2 table
        self.l3 = set()       # 2 MiB indices with a level-3 table
        self.blocks = {}      # 2 MiB index -> (pa, attr)
        self.pages = {}       # 4 KiB index -> (pa, attr)

    def available(self):
        return min(self.limit - self.used, self.pool.free)

    def _take(self, n):
        self.used += n
        self.pool.free -= n

    def walk(self, va):
        """(pa, attr, level) of the leaf mapping va, or None."""
        b = va >> 21
        if b in self.blocks:
            pa, attr = self.blocks[b]
            return pa + (va & (BLOCK - 1)), attr, 2
        p = va >> 12
        if b in self.l3 and p in self.pages:
            pa, attr = self.pages[p]
            return pa + (va & (PAGE - 1)), attr, 3
        return None

    def map_cost(self, va, level):
        if (va >> 30) not in self.l2:
            return level - 1
        if level == 2:
            return 0
        b = va >> 21
        if b in self.blocks:
            return 1
        return 0 if b in self.l3 else 1

    def map(self, va, pa, level, attr):
        b, p = va >> 21, va >> 12
        if level == 2:
            if b in self.blocks:
                return 0 if self.blocks[b] == (pa, attr) else PT_EXISTS
            if b in self.l3:
                return PT_EXISTS
        else:
            if b in self.blocks:
                return PT_EXISTS
            if b in self.l3 and p in self.pages:
                return 0 if self.pages[p] == (pa, attr) else PT_EXISTS
        cost = self.map_cost(va, level)
        if cost > self.available():
            return PT_NOMEM
        self._take(cost)
        self.l2.add(va >> 30)
        if level == 2:
            self.blocks[b] = (pa, attr)
        else:
            self.l3.add(b)
            self.pages[p] = (pa, attr)
        return 0

    def unmap_cost(self, va):
        return 1 if (va >> 21) in self.blocks else 0

    def unmap_page(self, va):
        """Removes one page, splitting a block around it; a level-3 table
        left empty goes back to the pool."""
        b, p = va >> 21, va >> 12
        if b in self.blocks:
            if self.available() < 1:
                return PT_NOMEM
            self._take(1)
            pa, attr = self.blocks.pop(b)
            self.l3.add(b)
            for i in range(512):
                self.pages[(b << 9) + i] = (pa + i * PAGE, attr)
        if self.pages.pop(p, None) is not None and b in self.l3 and not any(
                (b << 9) + i in self.pages for i in range(512)):
            self._drop_l3(b)
        return 0

    def prune(self, va):
        """The level-2 table over va goes if nothing below it is mapped."""
        g = va >> 30
        if g in self.l2 and not any(b >> 9 == g for b in self.l3) and not any(
                b >> 9 == g for b in self.blocks):
            self.l2.discard(g)
            self.used -= 1
            self.pool.free += 1

    def _drop_l3(self, b):
        self.l3.discard(b)
        self.used -= 1
        self.pool.free += 1

    def merge(self, va, pa, attr):
        """The level-3 table of va's 2 MiB region, if any, replaced by a
        block va -> pa."""
        b = va >> 21
        if b not in self.l3:
            return
        for i in range(512):
            self.pages.pop((b << 9) + i, None)
        self._drop_l3(b)
        self.blocks[b] = (pa, attr)

    def unmap_leaf(self, va):
        if self.blocks.pop(va >> 21, None) is None:
            self.pages.pop(va >> 12, None)

    def destroy(self):
        n = len(self.l2) + len(self.l3)
        self.used -= n
        self.pool.free += n
        self.l2.clear()
        self.l3.clear()
        self.blocks.clear()
        self.pages.clear()


def in_range(base_size, addr, size=1):
    base, length = base_size
    return base <= addr and addr + size <= base + length


NFRAMES = sum(n for _, n in BANKS)


def frame_index(pfn):
    """Index of a RAM frame in the model's arrays, or None."""
    i = 0
    for base, n in BANKS:
        if base <= pfn < base + n:
            return i + pfn - base
        i += n
    return None


class Frames:
    """The ownership table: owner, count and gfn arrays over all RAM."""

    def __init__(self):
        self.owner = bytearray(NFRAMES)
        self.count = bytearray(NFRAMES)
        self.gfn = [0] * NFRAMES

    def get(self, pfn):
        """A view of frame pfn's record, or None if it is not RAM."""
        i = frame_index(pfn)
        return None if i is None else Record(self, i)

    def __getitem__(self, pfn):
        return Record(self, frame_index(pfn))


class Record:
    """[owner, count, gfn] of one frame, read and written in place."""

    def __init__(self, frames, i):
        self.f, self.i = frames, i

    def __getitem__(self, k):
        return (self.f.owner, self.f.count, self.f.gfn)[k][self.i]

    def __setitem__(self, k, v):
        if isinstance(k, slice):
            self.f.owner[self.i], self.f.count[self.i], self.f.gfn[self.i] = v
        else:
            (self.f.owner, self.f.count, self.f.gfn)[k][self.i] = v

    def as_tuple(self):
        return (self[0], self[1], self[2])


class Model:
    def __init__(self, pool_pages, host_limit, vm_limit):
        self.frames = Frames()
        for pfn in range(HYP_RANGE[0] >> 12, (HYP_RANGE[0] + HYP_RANGE[1]) >> 12):
            self.frames[pfn][0] = HYP
        self.pool = Pool(pool_pages)
        self.host = Table(self.pool, host_limit)
        self.vm_limit = vm_limit
        self.vms = {}  # vmid -> [state, Table, vCPUs on a CPU, (gpa, pa) lent or None]

    # ---- helpers
    def owned(self, owner):
        return self.frames.owner.count(owner)

    def vm(self, vmid):
        v = self.vms.get(vmid)
        return v if v is not None and v[0] != FREE else None

    # ---- VM life cycle
    def vm_create(self):
        for vmid in range(1, MAX_VMS + 1):
            if vmid not in self.vms:
                table = Table(self.pool, self.vm_limit)
                # the device page is mapped in the same step, or no VM
                if table.map(VM_DEV_IPA, DEV_PAGE, 3, DEV) != 0:
                    return NOMEM
                self.vms[vmid] = [CREATED, table, 0, None]
                return vmid
        return NOMEM

    def quiet(self, v):
        """Off, with no vCPU on a CPU."""
        return v[0] == OFF and v[2] == 0

    def vm_destroy(self, vmid):
        v = self.vm(vmid)
        if v is None:
            return NOT_FOUND
        if not self.quiet(v) or self.owned(vmid) != 0:
            return BUSY
        v[1].destroy()
        if v[3] is not None:
            self.frames[v[3][1] >> 12][1] = 0
        del self.vms[vmid]
        return OK

    # ---- lending a VMM frame, read-only
    def lend(self, vmid, gpa, pa):
        v = self.vm(vmid)
        if v is None:
            return NOT_FOUND
        if v[0] not in (CREATED, RUNNING):
            return BUSY
        f = self.frames.get(pa >> 12) if pa >> 52 == 0 else None
        if ((gpa | pa) % PAGE or gpa >> IPA_BITS or in_range(VM_RAM, gpa, PAGE)
                or f is None):
            return EINVAL
        if f[0] != HOST or in_range(RO_RANGE, pa, PAGE):
            return DENIED
        if f[1] != 0 or v[3] is not None or v[1].walk(gpa) is not None:
            return BUSY
        cost = v[1].map_cost(gpa, 3)
        if cost > v[1].available() or cost > self.pool.free:
            return NOMEM
        assert v[1].map(gpa, pa, 3, LENT) == 0
        f[1] = 1
        v[3] = (gpa, pa)
        return OK

    def unlend(self, vmid):
        v = self.vm(vmid)
        if v is None:
            return NOT_FOUND
        if v[3] is not None:
            gpa, pa = v[3]
            assert v[1].unmap_page(gpa) == 0
            v[1].prune(gpa)
            self.frames[pa >> 12][1] = 0
            v[3] = None
        return OK

    def vm_start(self, vmid):
        v = self.vm(vmid)
        if v is None:
            return NOT_FOUND
        if v[0] != CREATED:
            return BUSY
        v[0] = RUNNING
        return OK

    def vm_stop(self, vmid):
        v = self.vm(vmid)
        if v is None:
            return NOT_FOUND
        v[0] = OFF  # from any state; vCPUs on a CPU run on until they exit
        return OK

    def vm_enter(self, vmid):
        v = self.vm(vmid)
        if v is None or v[0] != RUNNING:
            return BUSY
        v[2] += 1
        return OK

    def vm_leave(self, vmid):
        v = self.vm(vmid)
        if v is None or v[2] == 0:
            return BUSY
        v[2] -= 1
        return OK

    # ---- prot_and_map_vm_s2pt
    def prot_and_map(self, vmid, gpa, pte, level):
        v = self.vm(vmid)
        if v is None:
            return NOT_FOUND
        if v[0] not in (CREATED, RUNNING):
            return BUSY
        pa = pte & 0x0000FFFFFFFFF000
        pfn = pa >> 12
        n = 512 if level == 2 else 1
        size = n * PAGE
        end = (gpa + size - 1) & (2**64 - 1)
        if (level not in (2, 3) or gpa % size or pa % size or pfn == 0
                or not in_range(VM_RAM, gpa, size)):
            return EINVAL
        host_cost = 0
        for i in range(n):
            f = self.frames.get(pfn + i)
            if f is None:
                return EINVAL
            if f[0] == HOST:
                if f[1] != 0:
                    return BUSY
                if n == 1:
                    host_cost += self.host.unmap_cost(pa)
            elif f[0] != vmid or f[2] != (gpa >> 12) + i:
                return DENIED
        table = v[1]
        mapped = 0
        for i in range(n):
            leaf = table.walk(gpa + i * PAGE)
            if leaf is None:
                continue
            if leaf[0] != pa + i * PAGE:
                return BUSY
            mapped += 1
        if mapped not in (0, n):
            return BUSY
        if mapped == 0 and level == 2 and (gpa >> 21) in table.l3:
            return BUSY
        vm_cost = table.map_cost(gpa, level) if mapped == 0 else 0
        # each table within its limit, and both from the one pool
        if (host_cost > self.host.available() or vm_cost > table.available()
                or host_cost + vm_cost > self.pool.free):
            return NOMEM
        if n > 1:
            leaf = self.host.walk(pa)
            if leaf is not None and leaf[2] < 3:
                self.host.unmap_leaf(pa)
        for i in range(n):
            f = self.frames[pfn + i]
            if f[0] == HOST:
                f[:] = (vmid, 0, (gpa >> 12) + i)
                assert self.host.unmap_page(pa + i * PAGE) == 0
            elif f[1] == INVALID_COUNT:
                f[1] = 0
        if mapped == 0:
            assert table.map(gpa, pa, level, VM) == 0
        return OK

    # ---- clear_vm_range
    def clear(self, vmid, pfn, num):
        v = self.vm(vmid)
        if v is None:
            return NOT_FOUND
        if not self.quiet(v):
            return BUSY
        last = pfn + num
        if last >= 2**64 or last >> 40:
            return EINVAL
        found = False
        for base, n in BANKS:
            for p in range(max(pfn, base), min(last, base + n)):
                f = self.frames[p]
                if f[0] == vmid:
                    v[1].unmap_leaf(f[2] << 12)
                    f[:] = (HOST, 0, 0)
                    found = True
        if found:
            # regions all the VMM's again: one block each again
            for base, n in BANKS:
                lo, hi = max(pfn, base), min(last, base + n)
                for p in range(lo & ~511, hi, 512):
                    if self._block_ok(p << 12):
                        self.host.merge(p << 12, p << 12, RW)
        return OK

    # ---- grant_stage2_sg_gpa / revoke_stage2_sg_gpa
    def share(self, vmid, gpa, size, grant):
        v = self.vm(vmid)
        num = (size >> 12) + (1 if size & (PAGE - 1) else 0)
        if v is None:
            return NOT_FOUND
        if v[0] not in (CREATED, RUNNING):
            return BUSY
        if gpa % PAGE or num == 0 or not in_range(VM_RAM, gpa, num * PAGE):
            return EINVAL  # only the VM's RAM can be shared
        end = gpa + num * PAGE
        stop, pages = self._share_steps(v[1], gpa, end)
        for pa in pages:
            f = self.frames[pa >> 12]
            assert f[0] == vmid
            if grant and (f[1] == INVALID_COUNT or f[1] >= MAX_SHARE):
                return LIMIT
            if not grant and f[1] in (0, INVALID_COUNT):
                return NOT_GRANTED
        for pa in pages:
            f = self.frames[pa >> 12]
            if grant:
                f[1] += 1
            else:
                f[1] -= 1
                if f[1] == 0:
                    assert self.host.unmap_page(pa) == 0
        return OK if stop == end else stop - gpa

    @staticmethod
    def _share_steps(table, a, end):
        """(where SHARE_STEPS steps from a end, or end; the frames of the
        mapped pages on the way)."""
        pages = []
        steps = 0
        while a < end:
            if steps == SHARE_STEPS:
                return a, pages
            leaf = table.walk(a)
            if leaf is None:
                skip = table.map_cost(a, 3)
                step = 1 << (12 + 9 * skip)
                a = a + PAGE if skip == 0 else (a & ~(step - 1)) + step
            else:
                pages.append(leaf[0])
                a += PAGE
            steps += 1
        return end, pages

    # ---- the VMM's stage-2 faults
    def _block_ok(self, a):
        first, last = self.frames.get(a >> 12), self.frames.get((a + BLOCK - 1) >> 12)
        if first is None or last is None:
            return False
        same_bank = any(b <= a >> 12 and (a + BLOCK - 1) >> 12 < b + n for b, n in BANKS)
        ro0, ro_len = RO_RANGE
        if not same_bank or (a < ro0 + ro_len and ro0 < a + BLOCK):
            return False
        i = frame_index(a >> 12)
        return self.frames.owner[i:i + 512] == bytes(512)  # HOST is 0

    def host_fault(self, ipa, write):
        page, block = ipa & ~(PAGE - 1), ipa & ~(BLOCK - 1)
        f = self.frames.get(ipa >> 12) if ipa >> IPA_BITS == 0 else None
        level = 3
        if f is None:
            if DEV_PAGE <= ipa < DEV_PAGE + PAGE:
                attr = DEV
            else:
                return DENIED
        elif f[0] == HOST:
            if in_range(RO_RANGE, page, PAGE):
                attr = RO
            elif self._block_ok(block):
                attr, level = RW, 2
            else:
                attr = RW
        elif f[0] == HYP:
            return DENIED
        elif f[1] not in (0, INVALID_COUNT):
            attr = RW
        else:
            return DENIED
        err = PT_EXISTS
        if level == 2:
            err = self.host.map(block, block, 2, attr)
        if err == PT_EXISTS:
            err = self.host.map(page, page, 3, attr)
        if err == PT_NOMEM:
            return NOMEM
        if err:
            return DENIED
        if write and attr == RO:
            return DENIED
        return OK

    # ---- queries
    def info(self, owner):
        if owner == HOST:
            return OK, (self.owned(HOST), self.host.used, self.pool.free)
        if owner == HYP:
            return OK, (self.owned(HYP), 0, self.pool.free)
        v = self.vm(owner)
        if v is None:
            return NOT_FOUND, (0, 0, 0)
        return OK, (self.owned(owner), v[1].used, self.pool.free)

    def page_info(self, pfn):
        f = self.frames.get(pfn) if pfn >> 40 == 0 else None
        return OK, (NOT_RAM, 0, 0) if f is None else f.as_tuple()
