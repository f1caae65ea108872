"""Evidence packs (证据包): the evidence index, the printable bundle, the ZIP container and its verification."""
