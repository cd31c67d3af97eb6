"""Tree search (L3): never imports torch; talks to an Evaluator (states -> priors, values)."""
