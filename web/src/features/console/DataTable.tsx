import type { ReactNode } from 'react';

/**
 * A table of the console: scrolls sideways inside its card on a narrow screen (and can then be focused, to
 * scroll it from the keyboard); an empty heading is the row actions' column, named for screen readers.
 */
export function DataTable(props: {
  label: string;
  testId: string;
  headers: readonly string[];
  caption?: string;
  children: ReactNode;
}) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={props.label}>
      <table className="rules" data-testid={props.testId}>
        {props.caption && <caption className="muted">{props.caption}</caption>}
        <thead>
          <tr>
            {props.headers.map((h, i) => (
              <th scope="col" key={i}>
                {h || <span className="visually-hidden">Actions</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
