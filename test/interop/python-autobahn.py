"""Interop: Debian's python3-autobahn (asyncio) against `gateway --echo`. Usage: python3 ... PORT"""
import asyncio, os, sys
from autobahn.asyncio.websocket import WebSocketClientProtocol, WebSocketClientFactory

PORT = int(sys.argv[1])
failed = 0

def check(ok, what):
    global failed
    print("%s - python autobahn: %s" % ("ok" if ok else "FAIL", what), flush=True)
    failed += 0 if ok else 1

# (payload, binary, fragment size): autobahn fragments the message itself
CASES = [(b"", True, 0), (os.urandom(125), True, 0), (os.urandom(65536), True, 0),
         (os.urandom(1 << 20), True, 0), (os.urandom(16 << 20), True, 0),
         ("κόσμε 😀".encode() * 1000, False, 0), (os.urandom(100000), True, 777),
         ("fragmented ✓".encode() * 500, False, 7)]

class Client(WebSocketClientProtocol):
    closed = False

    def onOpen(self):
        self.i = 0
        self.send_next()

    def send_next(self):
        payload, binary, frag = CASES[self.i]
        self.sendMessage(payload, isBinary=binary, fragmentSize=frag or None)

    def onMessage(self, payload, isBinary):
        want, binary, frag = CASES[self.i]
        check(payload == want and isBinary == binary,
              "%s echo of %d bytes%s" % ("binary" if binary else "text", len(want),
                                         " in %d-byte fragments" % frag if frag else ""))
        self.i += 1
        if self.i < len(CASES):
            self.send_next()
        else:
            self.sendPing(b"autobahn-ping")

    def onPong(self, payload):
        check(payload == b"autobahn-ping", "pong carries the ping payload")
        self.sendClose(code=1000, reason="bye")

    def onClose(self, wasClean, code, reason):
        check(wasClean and code == 1000, "clean close (wasClean=%s, code=%s)" % (wasClean, code))
        Client.closed = True
        loop.stop()

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
factory = WebSocketClientFactory("ws://127.0.0.1:%d/" % PORT, loop=loop)
factory.protocol = Client
factory.setProtocolOptions(maxMessagePayloadSize=0, maxFramePayloadSize=0, perMessageCompressionOffers=[])
loop.call_later(120, loop.stop)
loop.run_until_complete(loop.create_connection(factory, "127.0.0.1", PORT))
loop.run_forever()
check(Client.closed, "every case ran to the close")
print("python autobahn: %s" % ("FAILED" if failed else "all ok"))
sys.exit(1 if failed else 0)
