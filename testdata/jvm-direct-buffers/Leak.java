// Direct ByteBuffer leak: memory NMT tracks as malloc (category "Other") but
// that lies outside every range NMT reserves. After a 5 s warm-up the main
// thread allocates ByteBuffer.allocateDirect(1 MiB) every 100 ms, fills it
// and keeps it in a list; each allocation logs "epoch_ms count".
// Run: java -Xmx64m -XX:MaxDirectMemorySize=2g -XX:NativeMemoryTracking=summary Leak.java [logfile]
import java.io.FileWriter;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

public class Leak {
    public static void main(String[] args) throws Exception {
        String logPath = args.length > 0 ? args[0] : "leak.log";
        PrintWriter log = new PrintWriter(new FileWriter(logPath), true);
        log.println("# pid " + ProcessHandle.current().pid()
                + " ; one line per direct buffer of 1048576 bytes: epoch_ms buffers_alive");
        Thread.sleep(5000);
        List<ByteBuffer> keep = new ArrayList<>();
        for (long i = 1; ; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            while (b.hasRemaining()) b.putLong(i); // every page written: all of it resident
            keep.add(b);
            log.println(System.currentTimeMillis() + " " + keep.size());
            Thread.sleep(100);
        }
    }
}
