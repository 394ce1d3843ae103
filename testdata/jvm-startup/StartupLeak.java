// A JVM that leaks native memory from its first second: one Deflater every
// 100 ms kept reachable and never end()ed, so zlib's malloc'd state (~260 KiB
// each: window, prev, head, pending_buf) stays. Collected from its exec on
// (snapcollect -- java ...), its start-up (libjvm mapped, the CDS archive,
// the Java heap committed, the code cache) is growth between the first
// snapshots too. Logs "epoch_ms deflaters_alive" every 10 Deflaters.
//   java -Xmx64m -cp CLASSES StartupLeak LOGFILE
import java.io.FileWriter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;

public class StartupLeak {
    public static void main(String[] args) throws Exception {
        PrintWriter log = new PrintWriter(new FileWriter(args.length > 0 ? args[0] : "leak.log"), true);
        log.println("# pid " + ProcessHandle.current().pid() + " main() entered at "
                + System.currentTimeMillis() + " ; columns: epoch_ms deflaters_alive");
        byte[] data = new byte[64 * 1024];
        Random r = new Random(42);
        for (int i = 0; i < data.length; i++) data[i] = (byte) ('a' + r.nextInt(8)); // compressible
        byte[] out = new byte[128 * 1024];
        List<Deflater> keep = new ArrayList<>();
        long end = System.currentTimeMillis() + 120_000;
        for (int i = 1; System.currentTimeMillis() < end; i++) {
            Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION);
            d.setInput(data);
            d.deflate(out, 0, out.length, Deflater.SYNC_FLUSH); // no finish(), no end()
            keep.add(d);
            if (i % 10 == 0) log.println(System.currentTimeMillis() + " " + keep.size());
            Thread.sleep(100);
        }
    }
}
