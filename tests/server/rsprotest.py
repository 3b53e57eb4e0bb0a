# SPDX-License-Identifier: GPL-2.0-or-later
"""RSPRO peers for the server tests, speaking bytes (rspro.md A.2, B, G): a
tiny DER writer for the PDUs a bank or client sends, an IPA reader that
answers PINGs, and frame comparison. Every wait is bounded."""
import socket
import time

PING = bytes.fromhex("0001fe00")
PONG = bytes.fromhex("0001fe01")


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xff])
    return bytes([tag]) + length + content


def der_int(tag, v):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=False)
    while len(b) > 1 and b[0] == 0 and b[1] < 0x80:
        b = b[1:]
    return tlv(tag, b)


def identity(ctype, name, software, version, hw_manufacturer=None, hw_model=None):
    c = tlv(0x0a, bytes([ctype])) + tlv(0x16, name.encode()) + tlv(0x80, software.encode()) \
        + tlv(0x81, version.encode())
    if hw_manufacturer is not None:
        c += tlv(0x82, hw_manufacturer.encode())
    if hw_model is not None:
        c += tlv(0x83, hw_model.encode())
    return tlv(0x30, c)


def slot(a, b):
    return tlv(0x30, der_int(0x02, a) + der_int(0x02, b))


def pdu(choice_tag, content, tag=0):
    body = der_int(0x80, 2) + der_int(0x81, tag) + tlv(0xa2, tlv(choice_tag, content))
    der = tlv(0x30, body)
    return (len(der) + 1).to_bytes(2, "big") + b"\xee\x07" + der


def connect_bank_req(bank_id, slots, name="bank1", software="remsim-bankd", ctype=2, **kw):
    return pdu(0xa0, identity(ctype, name, software, "1.1.3", **kw) + der_int(0x02, bank_id)
               + der_int(0x02, slots))


def connect_client_req(client_id, slot_nr, name="host1", ctype=0):
    return pdu(0xa2, identity(ctype, name, "remsim-client", "1.1.3") + slot(client_id, slot_nr))


def result_res(choice_tag, result=0):
    return pdu(choice_tag, tlv(0x0a, bytes([result])))


CREATE_MAPPING_RES = 0xa5
REMOVE_MAPPING_RES = 0xa7
CONFIG_CLIENT_BANK_RES = 0xb2


def create_mapping_req(cid, cs, bid, bs):
    return pdu(0xa4, slot(cid, cs) + slot(bid, bs))


def remove_mapping_req(cid, cs, bid, bs):
    return pdu(0xa6, slot(cid, cs) + slot(bid, bs))


def config_client_bank_req(bid, bs, ip, port):
    return pdu(0xb1, slot(bid, bs) + tlv(0x30, tlv(0x80, bytes(ip)) + der_int(0x02, port)))


TPDU_MODEM_TO_CARD = 0xac
TPDU_CARD_TO_MODEM = 0xad


def tpdu_modem_to_card(data, client=7, bank_slot=0):
    """tpduModemToCard from C@client:0 to B1:@bank_slot, every flag set"""
    flags = tlv(0x30, b"\x01\x01\x00" * 4)
    return pdu(TPDU_MODEM_TO_CARD, slot(client, 0) + slot(1, bank_slot) + flags + tlv(0x04, data))


def choice_of(frame):
    """The RsproPDUchoice identifier octet of an RSPRO IPA frame."""
    der = frame[4:]
    i = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7f)
    # version, tag
    for _ in range(2):
        i += 2 + der[i + 1]
    # A2 len
    i += 2 if der[i + 1] < 0x80 else 2 + (der[i + 1] & 0x7f)
    return der[i]


def result_of(frame):
    """Result of a *Res frame (its last ENUMERATED)."""
    assert frame[-3] == 0x0a and frame[-2] == 0x01, frame.hex()
    return frame[-1]


class Peer:
    """One TCP connection to the server; recv_rspro() skips CCM and answers PINGs."""

    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.closed = False
        self.pings = 0

    def send(self, frame):
        self.sock.sendall(frame)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no frame from the server in time")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no frame from the server in time")
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            raise EOFError("the server closed the connection")
        self.buf += data

    def recv_frame(self, limit=10.0):
        deadline = time.monotonic() + limit
        while len(self.buf) < 3 or len(self.buf) < 3 + int.from_bytes(self.buf[:2], "big"):
            self._fill(deadline)
        n = 3 + int.from_bytes(self.buf[:2], "big")
        frame, self.buf = self.buf[:n], self.buf[n:]
        return frame

    def recv_rspro(self, limit=10.0):
        deadline = time.monotonic() + limit
        while True:
            frame = self.recv_frame(max(0.01, deadline - time.monotonic()))
            if frame == PING:
                self.pings += 1
                self.send(PONG)
                continue
            if frame[2] == 0xfe:
                continue
            return frame

    def expect_closed(self, limit=10.0):
        """True when the server closes the connection within @limit."""
        try:
            while True:
                self.recv_rspro(limit)
        except EOFError:
            return True
        except TimeoutError:
            return False

    def quiet(self, limit=0.3):
        """True when no RSPRO frame arrives within @limit (only used to check
        that nothing extra is sent; never decides what the server does next)."""
        try:
            frame = self.recv_rspro(limit)
            print("unexpected frame:", frame.hex())
            return False
        except (TimeoutError, EOFError):
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
