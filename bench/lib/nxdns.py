#!/usr/bin/env python3
"""A loopback DNS responder for the outbound benchmark: answers every query NXDOMAIN at once, so a
mail engine with a smart host goes straight to it (Postroom dials MX hosts first, then the smart host).
Usage: nxdns.py PORT   (binds 127.0.0.1:PORT/udp; runs until killed)"""
import socket
import struct
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    data, addr = s.recvfrom(4096)
    if len(data) < 12:
        continue
    qid, flags, qd = struct.unpack(">HHH", data[:6])
    # Echo the question; QR=1, opcode and RD from the query, RA=1, RCODE=3 (NXDOMAIN).
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | 3
    # Question section: up to the end of the first question (name + type + class).
    i = 12
    while i < len(data) and data[i] != 0:
        i += data[i] + 1
    question = data[12:i + 5]
    s.sendto(struct.pack(">HHHHHH", qid, rflags, 1, 0, 0, 0) + question, addr)
