"""Init (PID 1) of a lab User-Mode Linux kernel: build the testbed, serve the host, power off.

Runs *inside* the UML kernel, whose root file system is the host's ``/`` (hostfs), so it
imports nothing but the standard library (every import costs UML system calls) and is started
by a two-line wrapper the host writes (:func:`lwtbench.testbeds.lab.session.write_init`). The host
passes the job file as ``LWTB_JOB=<path>`` on the kernel command line (the kernel hands
unknown ``k=v`` arguments to init's environment).

Topology, all in one kernel so pktgen's skbs reach the DUT unchanged::

    root netns: pktgen -> g0 ==veth== d0 [netns dut: forwarding, the route under test] d1
                                                                                    ||veth
    root netns: s0 (the sink: counts rx_packets, IPv6 disabled so nothing is answered)

The host drives it through request/reply files on hostfs (:func:`serve`); errors are also
echoed on the console with the prefix ``LWTB `` for the boot log.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import subprocess
import sys
import time
import traceback

IP = "/usr/sbin/ip"
DUT_NS = "dut"
GEN_DEV, DUT_IN, DUT_OUT, SINK_DEV = "g0", "d0", "d1", "s0"
DUT_IN_MAC, SINK_MAC = "02:00:00:00:00:d0", "02:00:00:00:00:50"
"""Fixed MACs: pktgen's dst_mac and the DUT's neighbour entry need them across namespaces."""
DUT_OUT_ADDR = "2001:db8:ff::1/64"
NEXT_HOP = "2001:db8:ff::2"
"""The sink's (unconfigured) address: a permanent neighbour entry points it to s0's MAC."""
MTU = 9000
"""Large enough for a 1514 B frame plus 40 + 8 + 16 * 24 B of SRv6 encap (issue 5 pitfall)."""
CLONE_NEWNET = 0x40000000
PKTGEN = "/proc/net/pktgen"
GCOV_ROOT = "/sys/kernel/debug/gcov"


def log(event: dict) -> None:
    """Echo one result or event on the console (the host keeps it in the boot log)."""
    sys.stdout.write("LWTB " + json.dumps(event, sort_keys=True) + "\n")
    sys.stdout.flush()


def run(*argv: str, stdin: str | None = None) -> str:
    """Run a command (argument list), fail loudly with its output."""
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def write(path: str, text: str) -> None:
    try:
        with open(path, "w") as fh:
            fh.write(text)
    except OSError as exc:
        detail = ""
        if path.startswith(PKTGEN):  # pktgen explains a refused command in its status
            with contextlib.suppress(OSError):
                detail = " / " + next(
                    (ln for ln in read(path).splitlines() if ln.startswith("Result:")), ""
                )
        raise OSError(exc.errno, f"writing {text!r} to {path}: {exc.strerror}{detail}") from None


def read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def mount(source: str, target: str, fstype: str) -> None:
    os.makedirs(target, exist_ok=True)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(source.encode(), target.encode(), fstype.encode(), 0, None) != 0:
        err = ctypes.get_errno()
        if err != 16:  # EBUSY: already mounted
            raise OSError(err, f"mount {fstype} on {target}: {os.strerror(err)}")


NS_FDS: dict[str, int] = {}
"""Open handles of the root and the DUT network namespaces, for :func:`setns`."""


def setns(name: str) -> None:
    """Move this process into network namespace ``name`` (os.setns is Python 3.12+)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(NS_FDS[name], CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns {name}: {os.strerror(err)}")


def dut_out_bytes() -> int:
    """Bytes the DUT sent on its egress (from its /proc/net/dev)."""
    setns(DUT_NS)
    try:
        text = read("/proc/self/net/dev")
    finally:
        setns("root")
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name.strip() == DUT_OUT:
            return int(rest.split()[8])  # receive: 8 fields, then transmit bytes
    raise RuntimeError(f"no {DUT_OUT} in the DUT's /proc/net/dev")


def dut_forwarded() -> int:
    """Ip6OutForwDatagrams of the DUT: packets its ip6_forward passed on.

    Counted at the DUT rather than at the sink, whose veth also carries the DUT's own MLD
    reports (measured: the sink saw one packet more than was sent).
    """
    setns(DUT_NS)
    try:
        text = read("/proc/self/net/snmp6")
    finally:
        setns("root")
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == "Ip6OutForwDatagrams":
            return int(value)
    raise RuntimeError("no Ip6OutForwDatagrams in the DUT's /proc/net/snmp6")


def sysctls(values: dict[str, str]) -> None:
    """Write sysctls of the current network namespace (/proc/sys/net is per namespace)."""
    for key, value in values.items():
        write("/proc/sys/" + key.replace(".", "/"), value)


def counter(dev: str, name: str) -> int:
    return int(read(f"/sys/class/net/{dev}/statistics/{name}"))


def setup(job: dict) -> None:
    """Mounts, namespaces, veths, addresses, neighbour and default route of the DUT."""
    mount("proc", "/proc", "proc")
    mount("sysfs", "/sys", "sysfs")
    mount("tmpfs", "/run", "tmpfs")  # ip netns state stays inside the VM, never on the host
    if job.get("gcov"):
        mount("debugfs", "/sys/kernel/debug", "debugfs")
    # Host side: no IPv6 on g0/s0, so they send no router or MLD chatter into the DUT.
    sysctls({"net.ipv6.conf.default.disable_ipv6": "1", "net.ipv6.conf.all.disable_ipv6": "1"})
    run(IP, "netns", "add", DUT_NS)
    NS_FDS["root"] = os.open("/proc/self/ns/net", os.O_RDONLY)
    NS_FDS[DUT_NS] = os.open(f"/run/netns/{DUT_NS}", os.O_RDONLY)
    setns(DUT_NS)
    # DUT defaults before its interfaces exist (a device moved in takes the namespace's
    # defaults): forwarding on, no DAD and no router solicitations (issue 5 pitfalls).
    dut = {
        "net.ipv6.conf.all.forwarding": "1",
        "net.ipv6.conf.default.accept_dad": "0",
        "net.ipv6.conf.all.accept_dad": "0",
        "net.ipv6.conf.default.router_solicitations": "0",
        "net.ipv6.conf.default.accept_ra": "0",
    }
    if job.get("ioam_namespaces"):
        dut["net.ipv6.ioam6_id"] = str(job.get("ioam6_id", 1))
    sysctls(dut)
    setns("root")
    if job.get("ingress") == "vector":
        # The DUT's ingress is the UML vector NIC (vec0, attached to a host veth by the
        # kernel command line); the generator runs outside this kernel.
        run(IP, "link", "set", "vec0", "name", DUT_IN, "address", DUT_IN_MAC)
        run(IP, "link", "set", DUT_IN, "netns", DUT_NS)
    else:
        run(IP, "link", "add", GEN_DEV, "type", "veth", "peer", "name", DUT_IN,
            "address", DUT_IN_MAC, "netns", DUT_NS)  # fmt: skip
        run(IP, "link", "set", GEN_DEV, "mtu", str(MTU), "up")
    next_hop_mac = SINK_MAC
    if job.get("egress") == "vector":
        # The DUT's egress is a second vector NIC (vec1) back to a generator outside (TRex).
        run(IP, "link", "set", "vec1", "name", DUT_OUT)
        run(IP, "link", "set", DUT_OUT, "netns", DUT_NS)
        next_hop_mac = job["egress_peer_mac"]
    else:
        run(IP, "link", "add", SINK_DEV, "address", SINK_MAC, "type", "veth", "peer", "name",
            DUT_OUT, "netns", DUT_NS)  # fmt: skip
        run(IP, "link", "set", SINK_DEV, "mtu", str(MTU), "up")
    batch = [
        "link set lo up",
        # The vector NIC keeps its own MTU (frames from outside are at most 1514 B here).
        f"link set {DUT_IN} up"
        if job.get("ingress") == "vector"
        else f"link set {DUT_IN} mtu {MTU} up",
        f"link set {DUT_OUT} up"  # the vector NIC's MTU comes from its mtu= argument
        if job.get("egress") == "vector"
        else f"link set {DUT_OUT} mtu {MTU} up",
        # (-6 is not allowed inside a batch; the addresses give the family, ::/0 the route's.)
        f"addr add {DUT_OUT_ADDR} dev {DUT_OUT} nodad",
        f"neigh replace {NEXT_HOP} lladdr {next_hop_mac} dev {DUT_OUT} nud permanent",
        f"route replace ::/0 via {NEXT_HOP} dev {DUT_OUT}",
    ]
    batch += [f"ioam namespace add {ns}" for ns in job.get("ioam_namespaces", [])]
    run(IP, "-n", DUT_NS, "-batch", "-", stdin="\n".join(batch) + "\n")


class PktgenSharedOnly(RuntimeError):
    """pktgen of this kernel always shares its skbs; the host switches to the vector NIC."""


def _result(dev: str) -> str:
    return next((ln for ln in read(dev).splitlines() if ln.startswith("Result:")), "")


def _run_result(dev: str, timeout_s: float = 5.0) -> str:
    """The device's Result line once it reports the run ("... usec, N (...)").

    "start" normally returns when the run is over, but on a loaded host it was seen to return
    while the device still showed the result of the last command written ("OK: delay=0"):
    wait for the run's own line, so the counters read after it cover the whole run.
    """
    deadline = time.monotonic() + timeout_s
    result = _result(dev)
    while "usec" not in result and time.monotonic() < deadline:
        time.sleep(0.01)
        result = _result(dev)
    return result


def pktgen_setup(job: dict) -> None:
    """One pktgen device on g0, freshly built skbs (no clone, not shared: issue 5)."""
    write(f"{PKTGEN}/kpktgend_0", "rem_device_all")
    write(f"{PKTGEN}/kpktgend_0", f"add_device {GEN_DEV}")
    dev = f"{PKTGEN}/{GEN_DEV}"
    write(dev, "clone_skb 0")
    write(dev, "flag !SHARED")
    # pktgen before 6.12 has no SHARED flag and always holds a reference on the skb it
    # sends: the DUT's ip6_rcv then clones it (skb_share_check) and every later cow
    # reallocates for that reason (measured on Debian 6.1: 1 per packet on plain forwarding).
    if "Flag -:!SHARED:- unknown" in read(dev) or "unknown" in _result(dev):
        raise PktgenSharedOnly("this kernel's pktgen cannot send unshared skbs (no SHARED flag)")
    write(dev, f"dst_mac {DUT_IN_MAC}")
    extra = int(job.get("pktgen_headroom", 0))
    if extra:
        write(dev, f"headroom {extra}")
        if f"headroom: {extra}" not in read(dev):
            raise RuntimeError(f"pktgen did not take 'headroom {extra}': {read(dev)[:400]}")


def send(req: dict) -> dict:
    """Send ``count`` packets with pktgen (at ``rate_pps``, or as fast as it can when 0)."""
    dev = f"{PKTGEN}/{GEN_DEV}"
    write(dev, f"pkt_size {req['frame_size']}")
    write(dev, f"src6 {req['src']}")
    write(dev, f"dst6 {req['dst']}")
    write(dev, f"count {req['count']}")
    rate = int(req.get("rate_pps", 0))
    # "ratep" sets the inter-packet delay; "delay 0" is pktgen's as-fast-as-possible mode.
    write(dev, f"ratep {rate}" if rate else "delay 0")
    tx0, rx0 = counter(GEN_DEV, "tx_packets"), counter(SINK_DEV, "rx_packets")
    fwd0, bytes0 = dut_forwarded(), dut_out_bytes()
    # pgctrl drops the last byte as the newline (pgctrl_write); "start" returns when done.
    write(f"{PKTGEN}/pgctrl", "start\n")
    result = _run_result(dev)
    tx1 = counter(GEN_DEV, "tx_packets")
    rx1 = counter(SINK_DEV, "rx_packets")
    for _ in range(200):  # the last packets may still be in a softirq backlog
        if rx1 - rx0 >= tx1 - tx0:
            break
        time.sleep(0.001)
        rx1 = counter(SINK_DEV, "rx_packets")
    if req.get("settle_s"):
        time.sleep(float(req["settle_s"]))
        rx1 = counter(SINK_DEV, "rx_packets")
    forwarded = dut_forwarded() - fwd0
    out_bytes = dut_out_bytes() - bytes0
    # "Result: OK: 3160(c3140+d19) usec, 40000 (1514byte,0frags)"
    head = result.split("OK:", 1)[1].split("(", 1)[0].strip() if "OK:" in result else ""
    elapsed_us = int(head) if head.isdigit() else -1
    return {
        "generated": int(req["count"]),
        "sent": tx1 - tx0,
        "received": rx1 - rx0,
        "forwarded": forwarded,
        "dut_out_bytes": out_bytes,
        "elapsed_us": elapsed_us,
        "pktgen_result": result.strip(),
    }


def find_gcda(objects: list[str]) -> dict[str, str]:
    """Object path (``net/ipv6/ip6_output``) -> its .gcda under debugfs."""
    found: dict[str, str] = {}
    for dirpath, _dirs, files in os.walk(GCOV_ROOT):
        for name in files:
            full = os.path.join(dirpath, name)
            for obj in objects:
                if full.endswith("/" + obj + ".gcda"):
                    found[obj] = full
    return found


def copy_gcda(gcda: dict[str, str], dest: str) -> None:
    for obj, path in gcda.items():
        target = os.path.join(dest, obj + ".gcda")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)


def handle(req: dict, gcda: dict[str, str]) -> dict:
    """Execute one request of the host (see :class:`lwtbench.testbeds.lab.session.LabSession`)."""
    op = req["op"]
    if op == "ip":  # an iproute2 command for the DUT namespace, e.g. a route replace
        return {"stdout": run(IP, "-n", DUT_NS, *req["argv"])}
    if op == "gcov_reset":  # the vector path: the generator outside sends after this
        if req.get("gcov_dir"):
            copy_gcda(gcda, os.path.join(req["gcov_dir"], "before"))
        return {"forwarded_base": dut_forwarded()}
    if op == "collect":  # ... and this waits until the DUT is quiet, then copies the counts
        last, quiet_since = dut_forwarded(), time.monotonic()
        deadline = time.monotonic() + float(req.get("timeout_s", 30))
        while time.monotonic() < deadline:
            time.sleep(0.01)
            now = dut_forwarded()
            if now != last:
                last, quiet_since = now, time.monotonic()
            elif time.monotonic() - quiet_since > float(req.get("quiet_s", 0.2)):
                break
        if req.get("gcov_dir"):
            copy_gcda(gcda, os.path.join(req["gcov_dir"], "after"))
        return {"forwarded": last - int(req["forwarded_base"])}
    if op == "send":
        # Counts are read as differences of two snapshots, not after a debugfs reset: measured
        # here, a reset right after a rate-limited pktgen run sometimes left the next window
        # at zero although its packets were forwarded (and reallocated).
        if req.get("gcov_dir"):
            copy_gcda(gcda, os.path.join(req["gcov_dir"], "before"))
        reply = send(req)
        if req.get("gcov_dir"):
            copy_gcda(gcda, os.path.join(req["gcov_dir"], "after"))
        return reply
    raise ValueError(f"unknown op {op!r}")


def write_reply(ctl: str, seq: int, reply: dict) -> None:
    tmp = os.path.join(ctl, f".rep-{seq}.tmp")
    write(tmp, json.dumps(reply, sort_keys=True))
    os.rename(tmp, os.path.join(ctl, f"rep-{seq}.json"))  # atomic: the host never sees half


def serve(job: dict) -> None:
    """Set the testbed up, then answer the host's requests until it says ``quit``.

    Requests arrive as ``<ctl>/req-<n>.json`` (renamed into place by the host), replies go
    to ``<ctl>/rep-<n>.json``; both directories are on hostfs, so no network is needed
    between host and VM. Reply 0 reports the kernel release and the set-up result.
    """
    ctl = job["ctl_dir"]
    setup(job)
    if job.get("ingress", "pktgen") == "pktgen":
        try:
            pktgen_setup(job)
        except PktgenSharedOnly as exc:
            write_reply(ctl, 0, {"ok": False, "pktgen_shared_only": True, "error": str(exc)})
            return
    gcda = find_gcda(job.get("gcov_objects", [])) if job.get("gcov") else {}
    if job.get("gcov") and len(gcda) != len(job["gcov_objects"]):
        missing = sorted(set(job["gcov_objects"]) - gcda.keys())
        raise RuntimeError(f"no .gcda in {GCOV_ROOT} for {missing}: not a counting build?")
    write_reply(ctl, 0, {"ok": True, "release": os.uname().release, "gcda": sorted(gcda)})
    seq = 1
    poll_s = float(job.get("poll_s", 0.002))
    while True:
        path = os.path.join(ctl, f"req-{seq}.json")
        try:
            with open(path) as fh:
                req = json.load(fh)
        except FileNotFoundError:
            time.sleep(poll_s)
            continue
        if req["op"] == "quit":
            write_reply(ctl, seq, {"ok": True})
            return
        try:
            reply = {"ok": True, **handle(req, gcda)}
        except Exception as exc:  # reported to the host, which raises it there
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        write_reply(ctl, seq, reply)
        seq += 1


def power_off() -> None:
    sys.stdout.flush()
    with contextlib.suppress(OSError):
        write("/proc/sysrq-trigger", "o")
    time.sleep(5)


def main() -> None:
    try:
        job: dict = {}
        with open(os.environ["LWTB_JOB"]) as fh:
            job = json.load(fh)
        serve(job)
    except BaseException as exc:  # PID 1 must never exit: report and power off
        log({"event": "error", "error": f"{type(exc).__name__}: {exc}"})
        traceback.print_exc(file=sys.stdout)
        with contextlib.suppress(Exception):
            write_reply(job["ctl_dir"], 0, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        power_off()


if __name__ == "__main__":
    main()
