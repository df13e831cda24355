package content

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// Minimal files of each kind, built here from their magic numbers.

func pdfBytes() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func ole2Bytes() []byte {
	// The compound-file header: signature, then zeros where a real file has
	// its sector tables; detection only looks at the signature.
	b := make([]byte, 512)
	copy(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	return b
}

func pngBytes() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), "\x00\x00\x00\x0dIHDR"...)
}

func jpegBytes() []byte { return []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0} }

func gifBytes() []byte { return []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;") }

func exeBytes() []byte { return append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 56)...) }

// zipBytes builds a zip holding the named (empty-bodied) entries.
func zipBytes(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, "<?xml version=\"1.0\"?><x/>"); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func docxBytes(t *testing.T) []byte {
	return zipBytes(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml")
}

func xlsxBytes(t *testing.T) []byte {
	return zipBytes(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml")
}

// filesUnder lists the regular files below root, slash-separated.
func filesUnder(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return files
}

func TestSaveDetectsEachKind(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		kind Kind
		ct   string
	}{
		{"公告.pdf", pdfBytes(), KindPDF, "application/pdf"},
		{"申请表.doc", ole2Bytes(), KindDOC, "application/msword"},
		{"统计.xls", ole2Bytes(), KindXLS, "application/vnd.ms-excel"},
		{"决定书.docx", docxBytes(t), KindDOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"预算表.XLSX", xlsxBytes(t), KindXLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"图.png", pngBytes(), KindPNG, "image/png"},
		{"照片.jpg", jpegBytes(), KindJPEG, "image/jpeg"},
		{"照片.jpeg", jpegBytes(), KindJPEG, "image/jpeg"},
		{"动图.gif", gifBytes(), KindGIF, "image/gif"},
	}
	s := Store{Root: t.TempDir()}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := s.Save(c.name, bytes.NewReader(c.data))
			if err != nil {
				t.Fatalf("Save: %v", err)
			}
			sum := sha256.Sum256(c.data)
			hexSum := hex.EncodeToString(sum[:])
			want := Stored{
				Name: c.name, Kind: c.kind, ContentType: c.ct,
				Size: int64(len(c.data)), SHA256: hexSum,
				Path: hexSum[:2] + "/" + hexSum[2:4] + "/" + hexSum,
			}
			if st != want {
				t.Fatalf("Save = %+v\nwant   %+v", st, want)
			}
			f, err := s.Open(st)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer f.Close()
			got, _ := io.ReadAll(f)
			if !bytes.Equal(got, c.data) {
				t.Error("stored bytes differ from the upload")
			}
		})
	}
}

func TestSaveRefusesMismatchedOrUnknownContent(t *testing.T) {
	cases := []struct {
		name string
		data []byte
	}{
		{"setup.pdf", exeBytes()},                    // an .exe renamed .pdf
		{"图.png", pdfBytes()},                        // a PDF named .png
		{"表.xlsx", docxBytes(t)},                     // Word package named as Excel
		{"文.docx", xlsxBytes(t)},                     // and the other way round
		{"文.docx", ole2Bytes()},                      // legacy Office named as OOXML
		{"文.pdf", ole2Bytes()},                       // legacy Office named as PDF
		{"文.doc", docxBytes(t)},                      // OOXML named as legacy Office
		{"a.docx", zipBytes(t, "a.txt")},             // a plain zip
		{"a.docx", zipBytes(t, "word/document.xml")}, // no [Content_Types].xml
		{"a.docx", []byte("PK\x03\x04 not really a zip")},
		{"a.pdf", nil},        // empty
		{"a.exe", exeBytes()}, // unsupported extension
		{"noextension", pdfBytes()},
		{"a.pdf.exe", pdfBytes()},
		{"", pdfBytes()},
	}
	root := t.TempDir()
	s := Store{Root: root}
	for _, c := range cases {
		_, err := s.Save(c.name, bytes.NewReader(c.data))
		if !errors.Is(err, ErrUnsupportedType) {
			t.Errorf("Save(%q) error = %v, want ErrUnsupportedType", c.name, err)
		}
	}
	if files := filesUnder(t, root); len(files) != 0 {
		t.Errorf("refused uploads left files behind: %v", files)
	}
}

func TestSaveTooLarge(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	s := Store{Root: root}

	// A valid PDF header followed by more bytes than allowed; the reader
	// counts what is read from it, to show Save stops early.
	body := io.MultiReader(bytes.NewReader(pdfBytes()), io.LimitReader(zeros{}, MaxAttachmentBytes))
	cr := &countingReader{r: body}
	_, err := s.Save("大文件.pdf", cr)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error = %v, want ErrTooLarge", err)
	}
	if cr.n != MaxAttachmentBytes+1 {
		t.Errorf("read %d bytes, want at most MaxAttachmentBytes+1", cr.n)
	}
	if files := filesUnder(t, root); len(files) != 0 {
		t.Errorf("over-size upload left files behind: %v", files)
	}

	// Exactly at the limit is fine.
	exact := io.MultiReader(bytes.NewReader(pdfBytes()), io.LimitReader(zeros{}, MaxAttachmentBytes-int64(len(pdfBytes()))))
	st, err := s.Save("刚好.pdf", exact)
	if err != nil {
		t.Fatalf("Save at the limit: %v", err)
	}
	if st.Size != MaxAttachmentBytes {
		t.Errorf("Size = %d, want %d", st.Size, MaxAttachmentBytes)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestSaveSameContentStoredOnce(t *testing.T) {
	root := t.TempDir()
	s := Store{Root: root}
	a, err := s.Save("第一次.pdf", bytes.NewReader(pdfBytes()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Save("第二次.pdf", bytes.NewReader(pdfBytes()))
	if err != nil {
		t.Fatal(err)
	}
	if a.Path != b.Path || a.SHA256 != b.SHA256 {
		t.Errorf("same bytes stored at %q and %q", a.Path, b.Path)
	}
	if a.Name != "第一次.pdf" || b.Name != "第二次.pdf" {
		t.Errorf("names = %q, %q; each upload keeps its own name", a.Name, b.Name)
	}
	if files := filesUnder(t, root); len(files) != 1 || files[0] != a.Path {
		t.Errorf("files under root = %v, want just %s", files, a.Path)
	}
}

func TestSaveNeutralisesPathsInName(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	s := Store{Root: root}
	cases := map[string]string{
		"../../etc/passwd.pdf":     "passwd.pdf",
		`..\..\Windows\system.pdf`: "system.pdf",
		`C:\Users\张三\桌面\通知.pdf`:    "通知.pdf",
		"/abs/path/报告.pdf":         "报告.pdf",
		"..pdf.pdf":                "pdf.pdf",
		"a\x00b\r\nc.pdf":          "abc.pdf",
		"invoice\u202Efdp.pdf":     "invoicefdp.pdf",
		`what?<is>:"this"|*.pdf`:   "what__is___this___.pdf",
		"  关于 2024 年预算的通知 .pdf  ":  "关于 2024 年预算的通知 .pdf",
		"name.pdf\x7f":             "name.pdf",
		"bad\xffutf8.pdf":          "badutf8.pdf",
	}
	for in, want := range cases {
		st, err := s.Save(in, bytes.NewReader(pdfBytes()))
		if err != nil {
			t.Errorf("Save(%q): %v", in, err)
			continue
		}
		if st.Name != want {
			t.Errorf("Save(%q).Name = %q, want %q", in, st.Name, want)
		}
	}
	// Whatever the names, the only file is the content-addressed one.
	files := filesUnder(t, root)
	if len(files) != 1 || !storedPath.MatchString(files[0]) {
		t.Errorf("files = %v", files)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(root), "passwd.pdf")); err == nil {
		t.Error("a file was written outside the root")
	}
}

func TestSanitizeFilenameLength(t *testing.T) {
	long := strings.Repeat("政府信息公开", 30) + ".docx" // 540 bytes of stem
	got := sanitizeFilename(long)
	if len(got) > maxNameBytes {
		t.Errorf("len = %d, want <= %d", len(got), maxNameBytes)
	}
	if !utf8.ValidString(got) {
		t.Errorf("cut inside a character: %q", got)
	}
	if !strings.HasSuffix(got, ".docx") || !strings.HasPrefix(got, "政府信息公开") {
		t.Errorf("got %q; want the stem cut and the extension kept", got)
	}
}

func TestOpenRefusesEscapingPaths(t *testing.T) {
	root := t.TempDir()
	s := Store{Root: root}
	st, err := s.Save("a.pdf", bytes.NewReader(pdfBytes()))
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(filepath.Dir(root), "secret.pdf")
	if err := os.WriteFile(secret, pdfBytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(secret)

	for _, p := range []string{
		"../secret.pdf",
		"/etc/passwd",
		st.Path + "/../../../../secret.pdf",
		"ab/cd/../../../secret.pdf",
		"",
		strings.ToUpper(st.Path),
		"00/00/" + st.SHA256, // well-formed but not where this hash lives
	} {
		bad := st
		bad.Path = p
		if f, err := s.Open(bad); err == nil {
			f.Close()
			t.Errorf("Open(%q) succeeded", p)
		} else if !errors.Is(err, ErrInvalidPath) {
			t.Errorf("Open(%q) error = %v, want ErrInvalidPath", p, err)
		}
	}

	// A symlink planted inside the root that points out of it is refused
	// too; os.OpenInRoot does not follow it.
	h := strings.Repeat("e", 64)
	dir := filepath.Join(root, "ee", "ee")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, h)); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	if f, err := s.Open(Stored{Path: "ee/ee/" + h}); err == nil {
		f.Close()
		t.Error("Open followed a symlink out of the root")
	}
}

func TestStoreNeedsRoot(t *testing.T) {
	var s Store
	if _, err := s.Save("a.pdf", bytes.NewReader(pdfBytes())); err == nil {
		t.Error("Save with an empty Root succeeded")
	}
	if _, err := s.Open(Stored{Path: "ab/cd/ab" + strings.Repeat("0", 62)}); err == nil {
		t.Error("Open with an empty Root succeeded")
	}
}
