#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A backend-remote test session as tshark sees it.

Runs the plugin test's normal session with CARDROUTE_TEST_FRAMES set, so the
scripted remsim writes every IPA frame that crossed its links (one TCP stream
per link), builds a pcap (link type raw IP, the real ports 9998/9999) and has
tshark decode it with `-d tcp.port==9998,gsm_ipa -d tcp.port==9999,gsm_ipa`.
Every frame must dissect as IPA, with no malformed-packet mark; RSPRO frames
must show IPA protocol 0xee, Osmocom extension 0x07 and the very DER bytes
that were sent (this tshark has no RSPRO dissector). Skipped (77) without
tshark.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_tcp(src_port, dst_port, seq, ack, payload):
    tcp = struct.pack("!HHIIBBHHH", src_port, dst_port, seq, ack, 5 << 4, 0x18, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    pseudo = struct.pack("!4s4sBBH", ip[12:16], ip[16:20], 0, 6, len(tcp) + len(payload))
    csum = checksum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    return ip + tcp + payload


def write_pcap(path, frames):
    """frames: list of (link name, to_client, bytes)"""
    streams = {}
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        t = 0
        for name, to_client, data in frames:
            st = streams.get(name)
            if st is None:
                port = 9998 if name.startswith("fake-server") else 9999
                st = streams[name] = {"cport": 40000 + len(streams), "sport": port,
                                      "c2p": 1, "p2c": 1}
            if to_client:
                pkt = ip_tcp(st["sport"], st["cport"], st["p2c"], st["c2p"], data)
                st["p2c"] += len(data)
            else:
                pkt = ip_tcp(st["cport"], st["sport"], st["c2p"], st["p2c"], data)
                st["c2p"] += len(data)
            t += 1000
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(pkt), len(pkt)))
            f.write(pkt)


def main():
    test_bin, tshark = sys.argv[1], shutil.which("tshark")
    if tshark is None:
        print("tshark missing: skipped")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        frames_path = os.path.join(tmp, "frames.txt")
        env = dict(os.environ, CARDROUTE_TEST_FRAMES=frames_path)
        subprocess.run([test_bin, "-p", "/remote/normal-session"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        frames = []
        with open(frames_path) as f:
            for line in f:
                name, direction, hexdata = line.split()
                frames.append((name, direction == "p2c", bytes.fromhex(hexdata)))
        assert len(frames) > 10, frames
        pcap = os.path.join(tmp, "session.pcap")
        write_pcap(pcap, frames)
        decode = [tshark, "-r", pcap, "-d", "tcp.port==9998,gsm_ipa",
                  "-d", "tcp.port==9999,gsm_ipa"]
        env = dict(os.environ, HOME=tmp)
        out = subprocess.run(decode + ["-T", "fields", "-e", "gsm_ipa.protocol",
                                       "-e", "gsm_ipa.osmo.protocol", "-e", "data.data",
                                       "-e", "_ws.malformed", "-e", "_ws.expert"],
                             env=env, check=True, capture_output=True, text=True,
                             timeout=60).stdout.splitlines()
        summary = subprocess.run(decode, env=env, check=True, capture_output=True, text=True,
                                 timeout=60).stdout
        assert "Malformed" not in summary, summary
        assert len(out) == len(frames), (len(out), len(frames))
        rspro = 0
        for (name, to_client, data), line in zip(frames, out):
            fields = line.split("\t")
            assert fields[3] == "" and fields[4] == "", (line, data.hex())
            if data[2] == 0xEE:
                assert fields[0] == "0xee" and fields[1] == "0x07", line
                # the RSPRO PDU as tshark shows it (unknown OSMO extension data)
                assert fields[2].replace(":", "") == data[4:].hex(), (line, data.hex())
                rspro += 1
            else:
                assert fields[0] == "0xfe", line
        print("%d IPA frames (%d RSPRO) in %d streams decode cleanly"
              % (len(frames), rspro, len({f[0] for f in frames})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
