"""The GTP engine (layer 5): :class:`~dosaku.gtp.engine.GtpEngine` answers GTP 2 commands for an
Agent. The wire format (parsing lines, formatting responses) lives in
:mod:`dosaku.io.gtp_protocol`. Nothing here imports torch.
"""
