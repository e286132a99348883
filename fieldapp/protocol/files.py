"""What the files of the channel are called: a packet, CMM's receipt for it, and the sealed figures."""

PACKET_SUFFIX = ".cmmpkt"
RECEIPT_SUFFIX = ".cmmrcpt"
AGGREGATE_SUFFIX = ".cmmagg"
AGGREGATE_SCHEMA = "cmm-aggregate/1"
