//go:build linux

package shmfs_test

import (
	"encoding/binary"
	"fmt"
	"log"
	"os"

	"github.com/shmfs/shmfs"
)

// A single-producer single-consumer ring in a shared-memory object, for two
// processes (here two Files, one per goroutine, stand for them: a second
// process opens the same name). The producer and the consumer each own one
// 32-bit counter; slots are written in place with Update and read in place
// with View; each side spins briefly and then sleeps in Wait, and the other
// side calls Wake only when the sleeper said it sleeps.
//
// The object's layout: the consumer's count of slots read (head) at 0, the
// producer's count of slots written (tail) at 64, each side's "sleeping"
// flag at 128 and 192, the slots from 4096 on. Each slot holds a 4-byte
// length and the message.
const (
	ringHead          = 0
	ringTail          = 64
	ringHeadSleeping  = 128 // the producer sleeps on head (the ring is full)
	ringTailSleeping  = 192 // the consumer sleeps on tail (the ring is empty)
	ringData          = 4096
	ringSlot          = 64
	ringSlots         = 256
	ringSize          = ringData + ringSlot*ringSlots
	ringSpin          = 1000 // loads before a Wait
	ringMaxMessageLen = ringSlot - 4
)

// ringPut adds one message; it waits while the ring is full.
func ringPut(f *shmfs.File, msg []byte) error {
	tail, err := f.LoadUint32(ringTail)
	if err != nil {
		return err
	}
	for {
		head, err := f.LoadUint32(ringHead)
		if err != nil {
			return err
		}
		if tail-head < ringSlots {
			break
		}
		if _, err := awaitChange(f, ringHead, ringHeadSleeping, head, true); err != nil {
			return err
		}
	}
	off := int64(ringData + tail%ringSlots*ringSlot)
	err = f.Update(off, ringSlot, func(b []byte) error {
		binary.LittleEndian.PutUint32(b, uint32(len(msg)))
		copy(b[4:], msg)
		return nil
	})
	if err != nil {
		return err
	}
	return publish(f, ringTail, ringTailSleeping, tail+1)
}

// ringGet hands the next message to fn, in place; it waits while the ring
// is empty.
func ringGet(f *shmfs.File, fn func(msg []byte) error) error {
	head, err := f.LoadUint32(ringHead)
	if err != nil {
		return err
	}
	for {
		tail, err := f.LoadUint32(ringTail)
		if err != nil {
			return err
		}
		if tail != head {
			break
		}
		if _, err := awaitChange(f, ringTail, ringTailSleeping, tail, true); err != nil {
			return err
		}
	}
	off := int64(ringData + head%ringSlots*ringSlot)
	err = f.View(off, ringSlot, func(b []byte) error {
		n := min(binary.LittleEndian.Uint32(b), ringMaxMessageLen)
		return fn(b[4 : 4+n])
	})
	if err != nil {
		return err
	}
	return publish(f, ringHead, ringHeadSleeping, head+1)
}

// awaitChange waits until the word at off no longer holds old and returns
// its value: spin loads first (if spin), then announce the sleep in the
// flag word and Wait. (The flag is set before the last look, and the other
// side stores before it looks at the flag: one of the two sees the other.)
func awaitChange(f *shmfs.File, off, flag int64, old uint32, spin bool) (uint32, error) {
	if spin {
		for range ringSpin {
			if v, err := f.LoadUint32(off); err != nil || v != old {
				return v, err
			}
		}
	}
	for {
		if err := f.StoreUint32(flag, 1); err != nil {
			return 0, err
		}
		if v, err := f.LoadUint32(off); err != nil || v != old {
			f.StoreUint32(flag, 0)
			return v, err
		}
		if err := f.Wait(off, old, -1); err != nil {
			return 0, err
		}
		f.StoreUint32(flag, 0)
		if v, err := f.LoadUint32(off); err != nil || v != old {
			return v, err
		}
	}
}

// publish stores v at off and wakes the other side if its flag says it
// sleeps.
func publish(f *shmfs.File, off, flag int64, v uint32) error {
	if err := f.StoreUint32(off, v); err != nil {
		return err
	}
	if s, err := f.LoadUint32(flag); err != nil || s == 0 {
		return err
	}
	_, err := f.Wake(off, 1)
	return err
}

func Example_ring() {
	name := fmt.Sprintf("/shmfs-example-%d-ring", os.Getpid())
	consumer, err := shmfs.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	defer shmfs.Remove(name)
	defer consumer.Close()
	if err := consumer.Truncate(ringSize); err != nil {
		log.Fatal(err)
	}

	// The producer: another process would open the same name.
	producer, err := shmfs.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		defer producer.Close()
		for i := range 1000 {
			if err := ringPut(producer, fmt.Appendf(nil, "message %d", i)); err != nil {
				log.Fatal(err)
			}
		}
		ringPut(producer, []byte("done"))
	}()

	count := 0
	for {
		var last string
		err := ringGet(consumer, func(msg []byte) error {
			last = string(msg)
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
		if last == "done" {
			break
		}
		if count == 0 || count == 999 {
			fmt.Println(last)
		}
		count++
	}
	fmt.Println(count, "messages")
	// Output:
	// message 0
	// message 999
	// 1000 messages
}
