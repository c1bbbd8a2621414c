// A Monaco editor bound to one long-lived model: the text survives navigation and remounts.
import { useEffect, useRef } from 'react';
import { monaco } from '../lib/monaco';

export function getOrCreateModel(uri: monaco.Uri, language: string, initial: string): monaco.editor.ITextModel {
  return monaco.editor.getModel(uri) ?? monaco.editor.createModel(initial, language, uri);
}

interface Props {
  model: monaco.editor.ITextModel;
  readOnly?: boolean;
  label: string;
  /** Stable handle for tests and styling. */
  name?: string;
  onMount?: (editor: monaco.editor.IStandaloneCodeEditor) => void;
  options?: monaco.editor.IStandaloneEditorConstructionOptions;
}

export function CodeEditor({ model, readOnly, label, name, onMount, options }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const mountRef = useRef(onMount);
  mountRef.current = onMount;
  useEffect(() => {
    const editor = monaco.editor.create(host.current!, {
      model,
      readOnly,
      ariaLabel: label,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      lineHeight: 20,
      fontFamily: 'ui-monospace, "JetBrains Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      scrollBeyondLastLine: false,
      renderLineHighlight: 'line',
      tabSize: 2,
      padding: { top: 8, bottom: 8 },
      fixedOverflowWidgets: true,
      scrollbar: { verticalScrollbarSize: 10, horizontalScrollbarSize: 10 },
      ...options,
    });
    mountRef.current?.(editor);
    return () => editor.dispose();
  }, [model, readOnly, label]);
  return <div className="code-editor" data-editor={name} ref={host} />;
}
