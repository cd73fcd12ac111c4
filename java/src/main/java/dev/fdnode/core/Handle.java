package dev.fdnode.core;

/**
 * What Erlang holds: the table id plus a random token. The token is 63 random bits (never negative)
 * so it is a non_neg_integer on the wire and still fits a Java long without unsigned tricks.
 */
public record Handle(long id, long token) {}
