"""Training (L5): AlphaGo Zero's self-play loop (``zero``); AlphaGo's stages come later."""
