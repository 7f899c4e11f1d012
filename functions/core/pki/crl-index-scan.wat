;; The CRL's hot path in WebAssembly: from index.txt bytes to the DER revokedCertificates entries,
;; with the duplicate-serial check, in one call. The TypeScript scanner (crl-index-scan.ts) does
;; the same in JavaScript; in a process that lives ~80 ms most of that JavaScript runs before V8
;; has optimised it (~25 ms for 20,000 lines), where this runs compiled from the first line.
;; scripts/build.mjs compiles this file to dist/crl-index-scan.wasm (wabt); the property tests
;; check it against the TypeScript scanner and the general parser, byte for byte.
;;
;; Preconditions (checked by the caller): every line matched the scanner's LINE expression, so
;; fields are where the format puts them: status, TAB, expiry (12 or 14 digits, Z), TAB,
;; optional revocation (12 or 14 digits, Z, optional ",reason" in ASCII letters), TAB, serial
;; (uppercase hex digits), TAB, file name, TAB, subject, newline (the last one may lack it).
;;
;; Memory, laid out by the caller: [0, n) the index; at $c the constants and results
;; (offsets below); at $out the entries; at $slots the duplicate table (i32 per slot, a power
;; of two, zeroed).
;;   $c+0   now as 14 digits YYYYMMDDHHMMSS          $c+14  "19500101000000"
;;   $c+28  "20500101000000"                          $c+42  reasonCode extension prefix (13 octets)
;;   $c+56  out: earliest listed notAfter (14 digits) $c+70  out: 1 when one is listed
;;   $c+72  out: length of the entries (i32)          $c+80  reason names: (length, code, lowercase
;;                                                           name)..., then a zero length
;; Returns how many entries were written, or -1 when the general path must decide: a status that
;; does not match the revocation field, an impossible date, an unknown reason, a serial over 20
;; octets, a serial two lines share.
(module
  (memory (export "memory") 1)

  ;; Value of an uppercase hex digit.
  (func $hex (param $ch i32) (result i32)
    (select
      (i32.sub (local.get $ch) (i32.const 0x30))
      (i32.sub (local.get $ch) (i32.const 0x37))
      (i32.lt_u (local.get $ch) (i32.const 0x40))))

  ;; Compares the index time at $at ($digits 12: UTCTime, years 50-99 are 19xx; or 14) with the
  ;; 14-digit key at $key: negative, zero or positive.
  (func $compareTime (param $at i32) (param $digits i32) (param $key i32) (result i32)
    (local $k i32) (local $d i32) (local $nineteen i32)
    (if (i32.eq (local.get $digits) (i32.const 12))
      (then
        (local.set $nineteen (i32.ge_u (i32.load8_u (local.get $at)) (i32.const 0x35)))
        (local.set $d
          (i32.sub (select (i32.const 0x31) (i32.const 0x32) (local.get $nineteen))
                   (i32.load8_u (local.get $key))))
        (if (local.get $d) (then (return (local.get $d))))
        (local.set $d
          (i32.sub (select (i32.const 0x39) (i32.const 0x30) (local.get $nineteen))
                   (i32.load8_u offset=1 (local.get $key))))
        (if (local.get $d) (then (return (local.get $d))))
        (local.set $k (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (i32.const 14)))
        (local.set $d
          (i32.sub (i32.load8_u (local.get $at))
                   (i32.load8_u (i32.add (local.get $key) (local.get $k)))))
        (if (local.get $d) (then (return (local.get $d))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; Writes the 14-digit key of the index time at $at into $key.
  (func $setTimeKey (param $at i32) (param $digits i32) (param $key i32)
    (local $k i32) (local $nineteen i32)
    (if (i32.eq (local.get $digits) (i32.const 12))
      (then
        (local.set $nineteen (i32.ge_u (i32.load8_u (local.get $at)) (i32.const 0x35)))
        (i32.store8 (local.get $key) (select (i32.const 0x31) (i32.const 0x32) (local.get $nineteen)))
        (i32.store8 offset=1 (local.get $key)
          (select (i32.const 0x39) (i32.const 0x30) (local.get $nineteen)))
        (local.set $k (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (i32.const 14)))
        (i32.store8 (i32.add (local.get $key) (local.get $k)) (i32.load8_u (local.get $at)))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next))))

  ;; Code of the reason name at [$start, $end) (ASCII letters, any case), or -1.
  (func $reasonCode (param $start i32) (param $end i32) (param $names i32) (result i32)
    (local $length i32) (local $i i32)
    (local.set $length (i32.sub (local.get $end) (local.get $start)))
    (block $unknown
      (loop $name
        (br_if $unknown (i32.eqz (i32.load8_u (local.get $names))))
        (block $other
          (br_if $other (i32.ne (i32.load8_u (local.get $names)) (local.get $length)))
          (local.set $i (i32.const 0))
          (loop $letter
            (if (i32.lt_u (local.get $i) (local.get $length))
              (then
                ;; Letters only (the caller's expression): OR 0x20 lowercases.
                (br_if $other
                  (i32.ne
                    (i32.or (i32.load8_u (i32.add (local.get $start) (local.get $i))) (i32.const 0x20))
                    (i32.load8_u offset=2 (i32.add (local.get $names) (local.get $i)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $letter))))
          (return (i32.load8_u offset=1 (local.get $names))))
        (local.set $names
          (i32.add (local.get $names) (i32.add (i32.const 2) (i32.load8_u (local.get $names)))))
        (br $name)))
    (i32.const -1))

  ;; FNV-1a over the last (up to) 8 digits: random and sequential serials both spread.
  (func $serialHash (param $start i32) (param $end i32) (result i32)
    (local $h i32) (local $i i32)
    (local.set $h (i32.xor (i32.sub (local.get $end) (local.get $start)) (i32.const 0x811c9dc5)))
    (local.set $i
      (select (i32.sub (local.get $end) (i32.const 8)) (local.get $start)
              (i32.gt_u (i32.sub (local.get $end) (local.get $start)) (i32.const 8))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $h
          (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i))) (i32.const 0x01000193)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  ;; True when the serial digits at $a and at $b (each ends at a TAB) are the same.
  (func $sameSerial (param $a i32) (param $b i32) (result i32)
    (local $x i32)
    (loop $next
      (local.set $x (i32.load8_u (local.get $a)))
      (if (i32.ne (local.get $x) (i32.load8_u (local.get $b))) (then (return (i32.const 0))))
      (if (i32.eq (local.get $x) (i32.const 0x09)) (then (return (i32.const 1))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $next))
    (i32.const 0))

  ;; Records the serial digits [$start, $end) in the open-addressing table (offset + 1 per slot,
  ;; linear probing); false when another line already holds the same digits.
  (func $recordSerial (param $start i32) (param $end i32) (param $slots i32) (param $mask i32)
    (result i32)
    (local $slot i32) (local $other i32)
    (local.set $slot (i32.and (call $serialHash (local.get $start) (local.get $end)) (local.get $mask)))
    (block $free
      (loop $probe
        (local.set $other
          (i32.load (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 2)))))
        (br_if $free (i32.eqz (local.get $other)))
        (if (call $sameSerial (i32.sub (local.get $other) (i32.const 1)) (local.get $start))
          (then (return (i32.const 0))))
        (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
        (br $probe)))
    (i32.store (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 2)))
      (i32.add (local.get $start) (i32.const 1)))
    (i32.const 1))

  ;; Offset of the first $byte at or after $at (the caller's expression guarantees one).
  (func $find (param $at i32) (param $byte i32) (result i32)
    (block $found
      (loop $next
        (br_if $found (i32.eq (i32.load8_u (local.get $at)) (local.get $byte)))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $next)))
    (local.get $at))

  ;; The two decimal digits at $at.
  (func $two (param $at i32) (result i32)
    (i32.add (i32.mul (i32.sub (i32.load8_u (local.get $at)) (i32.const 0x30)) (i32.const 10))
             (i32.sub (i32.load8_u offset=1 (local.get $at)) (i32.const 0x30))))

  ;; 1 when the index time at $at ($digits 12: UTCTime, years 50-99 are 19xx; or 14) names a real
  ;; moment: month 1-12, a day the month has (29 February in leap years only), hour 0-23, minute
  ;; and second 0-59 (isIndexTimeAt in cert-index.ts, the same rule).
  (func $validTime (param $at i32) (param $digits i32) (result i32)
    (local $year i32) (local $p i32) (local $month i32) (local $day i32) (local $max i32)
    (if (i32.eq (local.get $digits) (i32.const 12))
      (then
        (local.set $year (call $two (local.get $at)))
        (local.set $year
          (i32.add (local.get $year)
                   (select (i32.const 1900) (i32.const 2000) (i32.ge_u (local.get $year) (i32.const 50)))))
        (local.set $p (i32.add (local.get $at) (i32.const 2))))
      (else
        (local.set $year (i32.add (i32.mul (call $two (local.get $at)) (i32.const 100))
                                  (call $two (i32.add (local.get $at) (i32.const 2)))))
        (local.set $p (i32.add (local.get $at) (i32.const 4)))))
    (local.set $month (call $two (local.get $p)))
    (local.set $day (call $two (i32.add (local.get $p) (i32.const 2))))
    (if (i32.or (i32.or (i32.eqz (local.get $month)) (i32.gt_u (local.get $month) (i32.const 12)))
                (i32.eqz (local.get $day)))
      (then (return (i32.const 0))))
    (local.set $max (i32.const 31))
    (if (i32.eq (local.get $month) (i32.const 2))
      (then
        (local.set $max
          (select (i32.const 29) (i32.const 28)
            (i32.and (i32.eqz (i32.rem_u (local.get $year) (i32.const 4)))
                     (i32.or (i32.ne (i32.rem_u (local.get $year) (i32.const 100)) (i32.const 0))
                             (i32.eqz (i32.rem_u (local.get $year) (i32.const 400)))))))))
    (if (i32.or (i32.or (i32.eq (local.get $month) (i32.const 4)) (i32.eq (local.get $month) (i32.const 6)))
                (i32.or (i32.eq (local.get $month) (i32.const 9)) (i32.eq (local.get $month) (i32.const 11))))
      (then (local.set $max (i32.const 30))))
    (i32.and
      (i32.and (i32.le_u (local.get $day) (local.get $max))
               (i32.le_u (call $two (i32.add (local.get $p) (i32.const 4))) (i32.const 23)))
      (i32.and (i32.le_u (call $two (i32.add (local.get $p) (i32.const 6))) (i32.const 59))
               (i32.le_u (call $two (i32.add (local.get $p) (i32.const 8))) (i32.const 59)))))

    (func (export "scan")
    (param $n i32) (param $c i32) (param $out i32) (param $slots i32) (param $mask i32)
    (result i32)
    (local $p i32) (local $o i32) (local $count i32)
    (local $expiryDigits i32) (local $revocation i32) (local $revoked i32) (local $expired i32)
    (local $serial i32) (local $end i32) (local $digits i32) (local $lineEnd i32)
    (local $revocationDigits i32) (local $reasonStart i32) (local $code i32)
    (local $utc i32) (local $time i32) (local $timeLength i32)
    (local $odd i32) (local $first i32) (local $sign i32) (local $serialLength i32) (local $i i32)
    (local.set $o (local.get $out))
    (i32.store8 offset=70 (local.get $c) (i32.const 0))
    (block $lines
      (loop $line
        (br_if $lines (i32.ge_u (local.get $p) (local.get $n)))
        ;; Expiry: 12 digits when its Z sits at p+14, else 14.
        (local.set $expiryDigits
          (select (i32.const 12) (i32.const 14)
                  (i32.eq (i32.load8_u offset=14 (local.get $p)) (i32.const 0x5a))))
        (local.set $revocation (i32.add (local.get $p) (i32.add (local.get $expiryDigits) (i32.const 4))))
        (local.set $revoked (i32.ne (i32.load8_u (local.get $revocation)) (i32.const 0x09)))
        ;; Only an R line has a revocation time, and it must have one.
        (if (i32.ne (local.get $revoked) (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x52)))
          (then (return (i32.const -1))))
        ;; An impossible date (month 13, 30 February, hour 25): the general path names the line.
        (if (i32.eqz (call $validTime (i32.add (local.get $p) (i32.const 2)) (local.get $expiryDigits)))
          (then (return (i32.const -1))))
        (if (local.get $revoked)
          (then
            (if (i32.eqz
                  (call $validTime (local.get $revocation)
                    (select (i32.const 12) (i32.const 14)
                            (i32.eq (i32.load8_u offset=12 (local.get $revocation)) (i32.const 0x5a)))))
              (then (return (i32.const -1))))))
        (local.set $serial (i32.add (call $find (local.get $revocation) (i32.const 0x09)) (i32.const 1)))
        (local.set $end (call $find (local.get $serial) (i32.const 0x09)))
        (local.set $lineEnd (call $find (local.get $end) (i32.const 0x0a)))
        ;; Significant digits: leading zeros skipped (one digit kept).
        (local.set $digits (local.get $serial))
        (block $significant
          (loop $zero
            (br_if $significant (i32.ne (i32.load8_u (local.get $digits)) (i32.const 0x30)))
            (br_if $significant
              (i32.ge_u (local.get $digits) (i32.sub (local.get $end) (i32.const 1))))
            (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
            (br $zero)))
        ;; RFC 5280 4.1.2.2: at most 20 octets; the general path reports it.
        (if (i32.gt_u (i32.sub (local.get $end) (local.get $digits)) (i32.const 40))
          (then (return (i32.const -1))))
        (if (i32.eqz (call $recordSerial (local.get $digits) (local.get $end) (local.get $slots)
                                         (local.get $mask)))
          (then (return (i32.const -1))))
        (if (local.get $revoked)
          (then
            (local.set $expired
              (i32.le_s (call $compareTime (i32.add (local.get $p) (i32.const 2))
                                           (local.get $expiryDigits) (local.get $c))
                        (i32.const 0)))
            (local.set $revocationDigits
              (select (i32.const 12) (i32.const 14)
                      (i32.eq (i32.load8_u offset=12 (local.get $revocation)) (i32.const 0x5a))))
            ;; A reason is checked even on an expired line, as parseIndex does.
            (local.set $reasonStart
              (i32.add (local.get $revocation) (i32.add (local.get $revocationDigits) (i32.const 2))))
            (local.set $code (i32.const 0))
            (if (i32.lt_u (local.get $reasonStart) (local.get $serial))
              (then
                (local.set $code
                  (call $reasonCode (local.get $reasonStart) (i32.sub (local.get $serial) (i32.const 1))
                                    (i32.add (local.get $c) (i32.const 80))))
                (if (i32.lt_s (local.get $code) (i32.const 0)) (then (return (i32.const -1))))))
            (if (i32.eqz (local.get $expired))
              (then
                ;; The earliest notAfter among the listed entries.
                (if (i32.or
                      (i32.eqz (i32.load8_u offset=70 (local.get $c)))
                      (i32.lt_s (call $compareTime (i32.add (local.get $p) (i32.const 2))
                                                   (local.get $expiryDigits)
                                                   (i32.add (local.get $c) (i32.const 56)))
                                (i32.const 0)))
                  (then
                    (call $setTimeKey (i32.add (local.get $p) (i32.const 2)) (local.get $expiryDigits)
                                      (i32.add (local.get $c) (i32.const 56)))
                    (i32.store8 offset=70 (local.get $c) (i32.const 1))))
                ;; RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
                (local.set $utc
                  (i32.or
                    (i32.eq (local.get $revocationDigits) (i32.const 12))
                    (i32.and
                      (i32.ge_s (call $compareTime (local.get $revocation) (i32.const 14)
                                                   (i32.add (local.get $c) (i32.const 14)))
                                (i32.const 0))
                      (i32.lt_s (call $compareTime (local.get $revocation) (i32.const 14)
                                                   (i32.add (local.get $c) (i32.const 28)))
                                (i32.const 0)))))
                (local.set $time
                  (select (i32.sub (i32.add (local.get $revocation) (local.get $revocationDigits))
                                   (i32.const 12))
                          (local.get $revocation)
                          (local.get $utc)))
                (local.set $timeLength (select (i32.const 13) (i32.const 15) (local.get $utc)))
                ;; SEQUENCE { INTEGER serial, Time [, Extensions { reasonCode }] }
                (local.set $odd (i32.and (i32.sub (local.get $end) (local.get $digits)) (i32.const 1)))
                (local.set $first
                  (select
                    (call $hex (i32.load8_u (local.get $digits)))
                    (i32.or (i32.shl (call $hex (i32.load8_u (local.get $digits))) (i32.const 4))
                            (call $hex (i32.load8_u offset=1 (local.get $digits))))
                    (local.get $odd)))
                (local.set $sign (i32.ge_u (local.get $first) (i32.const 0x80)))
                (local.set $serialLength
                  (i32.add (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $digits)) (i32.const 1))
                                      (i32.const 1))
                           (local.get $sign)))
                (i32.store8 (local.get $o) (i32.const 0x30))
                (i32.store8 offset=1 (local.get $o)
                  (i32.add (i32.add (i32.const 4) (local.get $serialLength))
                           (i32.add (local.get $timeLength)
                                    (select (i32.const 14) (i32.const 0) (local.get $code)))))
                (i32.store8 offset=2 (local.get $o) (i32.const 0x02))
                (i32.store8 offset=3 (local.get $o) (local.get $serialLength))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                (if (local.get $sign)
                  (then
                    (i32.store8 (local.get $o) (i32.const 0))
                    (local.set $o (i32.add (local.get $o) (i32.const 1)))))
                (local.set $i (local.get $digits))
                (if (local.get $odd)
                  (then
                    (i32.store8 (local.get $o) (local.get $first))
                    (local.set $o (i32.add (local.get $o) (i32.const 1)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))))
                (block $serialDone
                  (loop $pair
                    (br_if $serialDone (i32.ge_u (local.get $i) (local.get $end)))
                    (i32.store8 (local.get $o)
                      (i32.or (i32.shl (call $hex (i32.load8_u (local.get $i))) (i32.const 4))
                              (call $hex (i32.load8_u offset=1 (local.get $i)))))
                    (local.set $o (i32.add (local.get $o) (i32.const 1)))
                    (local.set $i (i32.add (local.get $i) (i32.const 2)))
                    (br $pair)))
                (i32.store8 (local.get $o)
                  (select (i32.const 0x17) (i32.const 0x18) (local.get $utc)))
                (i32.store8 offset=1 (local.get $o) (local.get $timeLength))
                (local.set $o (i32.add (local.get $o) (i32.const 2)))
                (local.set $i (i32.const 0))
                (block $timeDone
                  (loop $timeByte
                    (br_if $timeDone (i32.ge_u (local.get $i) (local.get $timeLength)))
                    (i32.store8 (i32.add (local.get $o) (local.get $i))
                      (i32.load8_u (i32.add (local.get $time) (local.get $i))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $timeByte)))
                (local.set $o (i32.add (local.get $o) (local.get $timeLength)))
                ;; RFC 5280 5.3.1: no reasonCode rather than unspecified.
                (if (local.get $code)
                  (then
                    (local.set $i (i32.const 0))
                    (block $prefixDone
                      (loop $prefixByte
                        (br_if $prefixDone (i32.ge_u (local.get $i) (i32.const 13)))
                        (i32.store8 (i32.add (local.get $o) (local.get $i))
                          (i32.load8_u offset=42 (i32.add (local.get $c) (local.get $i))))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (br $prefixByte)))
                    (i32.store8 offset=13 (local.get $o) (local.get $code))
                    (local.set $o (i32.add (local.get $o) (i32.const 14)))))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))))))
        (local.set $p (i32.add (local.get $lineEnd) (i32.const 1)))
        (br $line)))
    (i32.store offset=72 (local.get $c) (i32.sub (local.get $o) (local.get $out)))
    (local.get $count))
)
