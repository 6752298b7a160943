package io.cachet.bench.chaos.soak;

import io.cachet.bench.chaos.check.PutRecord;
import io.cachet.bench.chaos.check.TxRecord;
import io.cachet.client.StoredObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The soak's evidence for the checker: every put that succeeded ({@value #PUTS}) and every ledger
 * transaction the client was told is committed ({@value #TXS}), one JSON object a line, in the
 * checker's {@link PutRecord} and {@link TxRecord}. A line is written and flushed when the
 * acknowledgement arrives, so a soak that dies leaves every record it had. Thread-safe.
 */
final class SoakRecords implements AutoCloseable {
  /** The puts file, in the run's directory. */
  static final String PUTS = "puts.jsonl";
  /** The transactions file, in the run's directory. */
  static final String TXS = "txs.jsonl";

  /** One acknowledged put, as the soak keeps it for its own reads. */
  record Put(StoredObject stored, SeededBlob blob, byte[] sha256, String reader, long putAtMillis) {}

  private final Path puts;
  private final Path txs;
  private final BufferedWriter putWriter;
  private final BufferedWriter txWriter;
  private final List<Put> putList = new ArrayList<>();
  private final List<PutRecord> putRecords = new ArrayList<>();
  private final List<TxRecord> txList = new ArrayList<>();

  SoakRecords(Path dir) throws IOException {
    this.puts = dir.resolve(PUTS);
    this.txs = dir.resolve(TXS);
    this.putWriter = Files.newBufferedWriter(puts, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    this.txWriter = Files.newBufferedWriter(txs, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  Path putsFile() {
    return puts;
  }

  Path txsFile() {
    return txs;
  }

  synchronized void put(Put p) {
    PutRecord r = new PutRecord(p.stored().blobId(), p.stored().plaintextLength(), p.stored().storedLength(),
        p.sha256(), p.stored().endEpoch(), p.stored().policyId(), p.reader(), p.putAtMillis());
    write(putWriter, r.toJsonLine());
    putList.add(p);
    putRecords.add(r);
  }

  synchronized void tx(TxRecord t) {
    write(txWriter, t.toJsonLine());
    txList.add(t);
  }

  private static void write(BufferedWriter w, String line) {
    try {
      w.write(line);
      w.write('\n');
      w.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record for the checker", e);
    }
  }

  synchronized List<Put> puts() {
    return List.copyOf(putList);
  }

  /** The puts as the checker reads them. */
  synchronized List<PutRecord> putRecords() {
    return List.copyOf(putRecords);
  }

  synchronized List<TxRecord> txs() {
    return List.copyOf(txList);
  }

  @Override
  public synchronized void close() throws IOException {
    putWriter.close();
    txWriter.close();
  }
}
