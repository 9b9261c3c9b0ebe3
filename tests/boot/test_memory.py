"""Memory ownership in the running system, on every platform variant: the
VMM donates pages and a 2 MiB block to a VM and can no longer read them;
grants (made on the VM's behalf with the test-only call until VMs run code)
let it read a page until the revoke; bad requests are refused with their
error codes; stop, clear and destroy give every frame back, scrubbed, and
the hyp's frame and pool counts balance to their values before the VM."""
import re

from conftest import hex_field

MIB = 1 << 20


def frames(machine, owner=0):
    out = machine.command(f"frames {owner}")
    m = re.search(r"owner \d+: (\d+) frames, (\d+) table pages; pool (\d+) pages free", out)
    assert m, out
    return tuple(int(x) for x in m.groups())


def vm_ok(machine, line):
    out = machine.command(line)
    assert ": ok (0)" in out, f"{line}: {out}"


def vm_err(machine, line, code, name):
    out = machine.command(line)
    assert f": {name} ({code})" in out, f"{line}: {out}"


def readable(machine, addr):
    out = machine.command(f"peek 0x{addr:x}")
    if "access refused" in out:
        assert "stage-2 fault reported by the hyp" in out, out
        return None
    m = re.search(rf"^0x{addr:x}: (0x[0-9a-f]+)$", out, re.M)
    assert m, out
    return int(m.group(1), 16)


def free_block(machine):
    """Two 2 MiB-aligned blocks of VMM RAM away from its image."""
    out = machine.command("mem")
    image = hex_field(out, r"image")
    for m in re.finditer(r"ram\s+(0x[0-9a-f]+)-(0x[0-9a-f]+)", out):
        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
        base = (lo + 2 * MIB - 1) & ~(2 * MIB - 1)
        if base <= image < base + 16 * MIB:
            base = (image + 16 * MIB) & ~(2 * MIB - 1)
        if base + 4 * MIB <= hi:
            return base, base + 2 * MIB
    raise AssertionError(out)


def test_donate_grant_revoke_clear(machine):
    host0, host_pt0, pool0 = frames(machine)
    page, block = free_block(machine)
    assert machine.command(f"poke 0x{page:x} 0x1234abcd").startswith("0x")
    assert machine.command(f"poke 0x{block + 0x3000:x} 0x5678").startswith("0x")

    out = machine.command("vm create")
    vmid = int(re.search(r"vmid (\d+)", out).group(1))
    vm_ok(machine, f"vm map {vmid} 0x0 0x{page:x} 4k")
    vm_ok(machine, f"vm map {vmid} 0x200000 0x{block:x} 2m")
    # The VMM no longer reaches them.
    assert readable(machine, page) is None
    assert readable(machine, block + 0x3000) is None
    assert f"owner {vmid} count 0 gfn 0x0" in machine.command(f"page 0x{page >> 12:x}")
    assert frames(machine, vmid)[0] == 513
    assert frames(machine)[0] == host0 - 513

    # Refusals change nothing.
    vm_err(machine, f"vm map {vmid} 0x1000 0x{page:x} 4k", -3, "denied")
    vm_err(machine, f"vm map {vmid} 0x0 0x{page + 0x1000:x} 4k", -4, "busy (wrong state)")
    vm_err(machine, f"vm map {vmid} 0x5000 0x0 4k", -2, "invalid argument")
    vm_err(machine, f"vm map {vmid} 0x400000 0x{block + 0x1000:x} 2m", -2, "invalid argument")
    vm_err(machine, f"vm map 9 0x0 0x{page + 0x2000:x} 4k", -6, "no such VM")
    vm_err(machine, f"vm revoke {vmid} 0x0 0x1000", -8, "not granted")
    vm_err(machine, f"vm clear {vmid}", -4, "busy (wrong state)")
    vm_err(machine, f"vm destroy {vmid}", -4, "busy (wrong state)")
    assert frames(machine, vmid)[0] == 513

    # A grant opens one page to the VMM until it is revoked.
    vm_ok(machine, f"vm grant {vmid} 0x203000 0x1000")
    assert readable(machine, block + 0x3000) == 0x5678
    assert readable(machine, block + 0x4000) is None
    vm_ok(machine, f"vm revoke {vmid} 0x203000 0x1000")
    assert readable(machine, block + 0x3000) is None

    # Off, cleared, destroyed: everything back, zeroed, counts balanced.
    vm_ok(machine, f"vm stop {vmid}")
    vm_err(machine, f"vm destroy {vmid}", -4, "busy (wrong state)")
    vm_ok(machine, f"vm clear {vmid}")
    vm_ok(machine, f"vm destroy {vmid}")
    assert readable(machine, page) == 0
    assert readable(machine, block + 0x3000) == 0
    host1, host_pt1, pool1 = frames(machine)
    assert host1 == host0
    # Every VM table page is back in the pool; the VMM's own stage 2 may
    # have taken pages for the faults above.
    assert pool1 + host_pt1 == pool0 + host_pt0
    assert "no such VM" in machine.command(f"frames {vmid}")
