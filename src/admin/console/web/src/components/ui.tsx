import type { ReactNode } from "react";
import { errorBelongsTo, type ApiError } from "../api/errors.js";

/** A labelled input; shows the API's error for its field right below it. */
export function Field(props: { label: string; name: string; error: ApiError | undefined; hint?: string; children: ReactNode }): ReactNode {
  const mine = errorBelongsTo(props.error?.field, props.name) ? props.error : undefined;
  return (
    <label className={mine === undefined ? "field" : "field invalid"} data-field={props.name}>
      <span className="label">{props.label}</span>
      {props.children}
      {props.hint !== undefined && mine === undefined && <span className="hint">{props.hint}</span>}
      {mine !== undefined && (
        <span className="field-error" role="alert">
          {mine.message}
        </span>
      )}
    </label>
  );
}

/**
 * The error of a form or action as a banner, unless it names a field that the form shows next to its input.
 * `fields` are the form's field names; an error for any other field (or none) appears here.
 */
export function ErrorBanner(props: { error: ApiError | undefined; fields?: readonly string[] }): ReactNode {
  const { error } = props;
  if (error === undefined) return null;
  if (props.fields?.some((name) => errorBelongsTo(error.field, name)) === true) return null;
  return (
    <div className="error-banner" role="alert">
      {error.field === undefined ? error.message : `${error.field}: ${error.message}`}
    </div>
  );
}

export function Modal(props: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }): ReactNode {
  return (
    <div className="modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && props.onClose()}>
      <div className={props.wide === true ? "modal wide" : "modal"} role="dialog" aria-label={props.title}>
        <header>
          <h2>{props.title}</h2>
          <button type="button" className="link" aria-label="Close" onClick={props.onClose}>
            ✕
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}

export function Pager(props: { index: number; nextToken: string; onNext: (token: string) => void; onPrevious: () => void; total?: number }): ReactNode {
  return (
    <div className="pager">
      <button type="button" disabled={props.index === 0} onClick={props.onPrevious}>
        ‹ Previous
      </button>
      <span>
        Page {props.index + 1}
        {props.total !== undefined && ` · ${props.total} in all`}
      </span>
      <button type="button" disabled={props.nextToken === ""} onClick={() => props.onNext(props.nextToken)}>
        Next ›
      </button>
    </div>
  );
}

export function Loading(props: { error: ApiError | undefined; loading: boolean }): ReactNode {
  if (props.error !== undefined) return <ErrorBanner error={props.error} />;
  return props.loading ? <p className="muted">Loading…</p> : null;
}

export function Badge(props: { tone: "ok" | "bad" | "busy" | "plain"; children: ReactNode }): ReactNode {
  return <span className={`badge ${props.tone}`}>{props.children}</span>;
}
