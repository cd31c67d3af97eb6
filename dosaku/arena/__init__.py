"""The arena (layer 5): matches between agents and engines, an SGF of every game, Elo with
intervals. :mod:`.game` plays one game, :mod:`.match` a resumable match, :mod:`.pool` runs games
in watched worker processes, :mod:`.stats` turns results into intervals and ratings."""
