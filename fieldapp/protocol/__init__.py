"""The wire format between an NGO and CMM, shared by both sides: keys and sealing, the packet and
receipt documents and their schemas, strict parsing of bytes from outside, and the reasons a packet is
refused. Nothing here opens a vault or a store."""
