package io.cachet.bench.chaos;

/**
 * What a {@link FaultProxy} has done since it started; a snapshot, each field read on its own.
 *
 * @param connections connections accepted from clients
 * @param bytesToTarget bytes forwarded from clients to the target
 * @param bytesToClient bytes forwarded from the target to clients
 * @param bytesDropped bytes read in either direction and discarded by {@link ProxyFault.Kind#DROP}
 * @param faultsApplied times a fault other than pass was switched on (a cut counts once)
 * @param connectionsReset connections aborted with a RST, by a reset or because the target refused
 */
public record ProxyCounters(long connections, long bytesToTarget, long bytesToClient, long bytesDropped,
    long faultsApplied, long connectionsReset) {}
